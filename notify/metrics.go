package notify

import "github.com/prometheus/client_golang/prometheus"

// metrics are the dispatcher's Prometheus collectors.
type metrics struct {
	queued    prometheus.Counter
	delivered prometheus.Counter
	retried   prometheus.Counter
	dropped   *prometheus.CounterVec // by reason
	latency   prometheus.Histogram
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		queued: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "invitations_notifications_queued_total",
			Help: "Change and lifecycle notifications queued by this instance's writes.",
		}),
		delivered: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "invitations_notifications_delivered_total",
			Help: "Notifications this instance delivered: their POST was answered 2xx within the timeout.",
		}),
		retried: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "invitations_notifications_retried_total",
			Help: "Notifications whose POST failed (no answer in time, or not 2xx), to be sent again after a backoff.",
		}),
		dropped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "invitations_notifications_dropped_total",
			Help: "Notifications discarded undelivered, by reason: undeliverable (still failing at the end of the retry window), expired (their subscription expired first).",
		}, []string{"reason"}),
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "invitations_notification_delivery_seconds",
			Help:    "Time from a change's commit to its notification's acknowledgement by the subscriber.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 300, 1800, 3600, 14400},
		}),
	}
	for _, reason := range []string{"undeliverable", "expired"} {
		m.dropped.WithLabelValues(reason)
	}
	for _, c := range []prometheus.Collector{m.queued, m.delivered, m.retried, m.dropped, m.latency} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}
