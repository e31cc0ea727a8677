// Package control is Shoal's control socket: how a second `shoal` process
// (a command such as `shoal list`, or the OS handing over a .torrent or a
// magnet link) talks to the running instance. It holds the wire protocol,
// the server that owns the single-instance lock, and the client.
//
// The transport is a Unix-domain socket that only the same user can reach
// (its folder is 0700, the socket 0600). Each connection carries one
// request and one response, each a single JSON object on its own line,
// both bounded in size before they are decoded.
package control

import "time"

// Commands a Request may carry.
const (
	CmdOpen      = "open"       // add Torrents and Magnets
	CmdList      = "list"       // report every torrent
	CmdPause     = "pause"      // pause IDs
	CmdResume    = "resume"     // resume IDs
	CmdPauseAll  = "pause-all"  // pause every torrent
	CmdResumeAll = "resume-all" // resume every torrent
	CmdRemove    = "remove"     // remove IDs (DeleteData: their files too)
	CmdQuit      = "quit"       // save state, announce stopped, exit
	CmdPing      = "ping"       // is the instance up and serving
	CmdLimit     = "limit"      // set or show limits: IDs' own, or global
	CmdTurtle    = "turtle"     // switch the alternative limits on/off
)

// Turtle switch values.
const (
	TurtleOn  = "on"
	TurtleOff = "off"
)

// Limits on what crosses the socket; both ends enforce them.
const (
	// MaxRequestSize bounds one request line (torrent files travel inside
	// it, base64-encoded by encoding/json).
	MaxRequestSize = 64 << 20
	// MaxResponseSize bounds one response line.
	MaxResponseSize = 16 << 20
	// MaxTorrentSize bounds one .torrent file handed over.
	MaxTorrentSize = 16 << 20
	// MaxItems bounds the torrents, magnets or ids in one request.
	MaxItems = 1000
)

// Request is one command to the running instance.
type Request struct {
	Command string `json:"command"`
	// IDs are the torrents' numbers as `shoal list` shows them.
	IDs []int `json:"ids,omitempty"`
	// Torrents are .torrent files read by the client (so a browser may
	// delete its download at once); Source names each for messages.
	Torrents []TorrentFile `json:"torrents,omitempty"`
	// Magnets are magnet: URIs.
	Magnets []string `json:"magnets,omitempty"`
	// DeleteData, with CmdRemove, deletes the torrents' files too.
	DeleteData bool `json:"delete_data,omitempty"`
	// Down and Up, with CmdLimit, are new rates in bytes per second
	// (0 = unlimited; nil = unchanged): for IDs, else the global ones.
	Down *int64 `json:"down,omitempty"`
	Up   *int64 `json:"up,omitempty"`
	// Turtle, with CmdTurtle, is TurtleOn, TurtleOff or "" (just report).
	Turtle string `json:"turtle,omitempty"`
}

// TorrentFile is a .torrent handed over by content.
type TorrentFile struct {
	Source string `json:"source"` // the path or URL it came from
	Data   []byte `json:"data"`
}

// Response answers one Request.
type Response struct {
	// Error is set when the command as a whole failed.
	Error string `json:"error,omitempty"`
	// Results has one line per item of an open, pause, resume or remove
	// (in request order): what happened to it.
	Results []Result `json:"results,omitempty"`
	// Torrents answers CmdList, in id order.
	Torrents []Status `json:"torrents,omitempty"`
	// Limits answers CmdLimit and CmdTurtle: the global limits after the
	// command.
	Limits *Limits `json:"limits,omitempty"`
}

// Limits are the global rate limits (bytes per second, 0 = unlimited).
type Limits struct {
	Down, Up             int64 // the normal limits
	Turtle               bool  // whether the alternative ones apply now
	TurtleDown, TurtleUp int64
	// Schedule switches turtle on and off ("" = none).
	Schedule string `json:",omitempty"`
}

// Result is the outcome for one item of a request.
type Result struct {
	ID    int    `json:"id,omitempty"` // 0 when the item never got one
	Name  string `json:"name,omitempty"`
	Error string `json:"error,omitempty"`
}

// Status is one torrent as `shoal list` shows it.
type Status struct {
	ID       int     `json:"id"`
	Name     string  `json:"name"`
	InfoHash string  `json:"info_hash"` // hex
	Dir      string  `json:"dir"`
	State    string  `json:"state"` // as session.State.String()
	Error    string  `json:"error,omitempty"`
	Size     int64   `json:"size"`
	Done     int64   `json:"done"`
	Progress float64 `json:"progress"` // 0..1
	DownRate float64 `json:"down_rate"`
	UpRate   float64 `json:"up_rate"`
	// ETA is the expected time to completion; negative when unknown.
	ETA        time.Duration `json:"eta"`
	Peers      int           `json:"peers"`
	Seeds      int           `json:"seeds"`
	Downloaded int64         `json:"downloaded"`
	Uploaded   int64         `json:"uploaded"`
	// DownLimit and UpLimit are the torrent's own limits (0 = none).
	DownLimit int64 `json:"down_limit,omitempty"`
	UpLimit   int64 `json:"up_limit,omitempty"`
}
