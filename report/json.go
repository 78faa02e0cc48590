package report

import (
	"encoding/json"
	"io"
)

// WriteJSON writes fs as an indented JSON array. An empty list is written
// as [] so that consumers never see null.
func WriteJSON(w io.Writer, fs []*Finding) error {
	if fs == nil {
		fs = []*Finding{}
	}
	b, err := json.MarshalIndent(fs, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// ReadJSON reads findings written by WriteJSON, or one JSON object per
// line as GRIDLOCK_REPORT appends them.
func ReadJSON(r io.Reader) ([]*Finding, error) {
	dec := json.NewDecoder(r)
	var out []*Finding
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		switch tok {
		case json.Delim('['):
			for dec.More() {
				var f Finding
				if err := dec.Decode(&f); err != nil {
					return out, err
				}
				out = append(out, &f)
			}
			if _, err := dec.Token(); err != nil {
				return out, err
			}
		case json.Delim('{'):
			// A line of GRIDLOCK_REPORT: decode the rest of the object.
			var f Finding
			if err := decodeObjectRest(dec, &f); err != nil {
				return out, err
			}
			out = append(out, &f)
		}
	}
}

// decodeObjectRest decodes an object whose '{' was already read.
func decodeObjectRest(dec *json.Decoder, f *Finding) error {
	obj := map[string]json.RawMessage{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		key, _ := tok.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return err
		}
		obj[key] = raw
	}
	if _, err := dec.Token(); err != nil {
		return err
	}
	b, err := json.Marshal(obj)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, f)
}
