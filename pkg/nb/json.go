package nb

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// jsonMarshal returns the top-level key/value pairs of v's JSON object in
// the order they are written.
func jsonMarshal(v any) ([][2]string, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, fmt.Errorf("nb: %T is not a JSON object", v)
	}
	var out [][2]string
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			return nil, err
		}
		var val json.RawMessage
		if err := dec.Decode(&val); err != nil {
			return nil, err
		}
		out = append(out, [2]string{fmt.Sprint(k), string(bytes.Trim(val, `"`))})
	}
	return out, nil
}
