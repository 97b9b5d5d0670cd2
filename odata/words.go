package odata

// word is a run of characters other than spaces and tabs, with the byte
// offset where it starts.
type word struct {
	text string
	off  int
}

// words splits s at spaces and tabs, keeping where each piece starts so
// messages can point at it.
func words(s string, base int) []word {
	var ws []word
	start := -1
	for i := 0; i <= len(s); i++ {
		if i < len(s) && s[i] != ' ' && s[i] != '\t' {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			ws = append(ws, word{s[start:i], base + start})
			start = -1
		}
	}
	return ws
}
