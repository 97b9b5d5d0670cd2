package server

import (
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the service's Prometheus collectors.
type metrics struct {
	requests      *prometheus.CounterVec   // by operation and status
	duration      *prometheus.HistogramVec // by operation
	dbDuration    *prometheus.HistogramVec // by store method
	dbWaiting     prometheus.Gauge
	throttled     prometheus.Counter
	authRefused   prometheus.Counter
	shed          prometheus.Counter
	tokenFailures *prometheus.CounterVec // by reason
	// responseViolations counts responses that break openapi.yaml, by
	// operation; only checked with Options.ValidateResponses.
	responseViolations *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "invitations_http_requests_total",
			Help: "HTTP requests answered, by operation (openapi.yaml's operationId) and status.",
		}, []string{"operation", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "invitations_http_request_duration_seconds",
			Help:    "Time to answer an HTTP request, by operation.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"operation"}),
		dbDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "invitations_db_duration_seconds",
			Help:    "Time spent in the database (waiting for a slot included), by store method.",
			Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 5},
		}, []string{"method"}),
		dbWaiting: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "invitations_db_waiting",
			Help: "Store operations waiting for a free database slot.",
		}),
		throttled: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "invitations_throttled_requests_total",
			Help: "Requests refused with 429 because their caller was over its rate limit.",
		}),
		authRefused: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "invitations_auth_refused_requests_total",
			Help: "Requests refused with 429, their token unchecked, because their client address had spent its budget of failed authentications.",
		}),
		shed: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "invitations_shed_requests_total",
			Help: "Requests refused with 503 because too much work was waiting on the database.",
		}),
		tokenFailures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "invitations_token_failures_total",
			Help: "Requests whose access token was missing or refused, by reason.",
		}, []string{"reason"}),
		responseViolations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "invitations_response_violations_total",
			Help: "Responses that do not match openapi.yaml, by operation; checked only with response validation on.",
		}, []string{"operation"}),
	}
	for _, c := range []prometheus.Collector{m.requests, m.duration, m.dbDuration, m.dbWaiting, m.throttled, m.authRefused, m.shed,
		m.tokenFailures, m.responseViolations} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// opMetrics are one operation's children of the request metrics, looked up
// once at start-up (WithLabelValues hashes its labels and takes a lock on
// every call): its duration, and its count for each status its responses
// in openapi.yaml declare. A status it does not declare is looked up when
// it happens.
type opMetrics struct {
	operation string
	duration  prometheus.Observer
	requests  map[int]prometheus.Counter // read-only once built
	vec       *prometheus.CounterVec     // for the other statuses
}

// forOperation returns the children of operation, answering statuses.
func (m *metrics) forOperation(operation string, statuses []int) *opMetrics {
	om := &opMetrics{operation: operation, duration: m.duration.WithLabelValues(operation),
		requests: map[int]prometheus.Counter{}, vec: m.requests}
	for _, status := range statuses {
		om.requests[status] = m.requests.WithLabelValues(operation, strconv.Itoa(status))
	}
	return om
}

// observe counts one request answered with status after elapsed.
func (om *opMetrics) observe(status int, elapsed time.Duration) {
	c, ok := om.requests[status]
	if !ok {
		c = om.vec.WithLabelValues(om.operation, strconv.Itoa(status))
	}
	c.Inc()
	om.duration.Observe(elapsed.Seconds())
}
