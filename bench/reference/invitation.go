package reference

// Invitation is an invitation on the wire, as the bare reference servers
// write it: plain encoding/json, the properties the harness sends and reads.
type Invitation struct {
	ODataType    string `json:"@odata.type,omitempty"`
	ID           string `json:"id"`
	Created      int64  `json:"created"`
	LastModified int64  `json:"lastModified"`
	Inviter      string `json:"inviter,omitempty"`
	Invitee      string `json:"invitee"`
	TrackingID   string `json:"trackingId,omitempty"`
}

// ODataType is the type annotation every invitation in a response carries.
const ODataType = "#microsoft.graph.InvitationV2"
