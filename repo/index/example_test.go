package index_test

import (
	"fmt"

	"github.com/universe-pm/universe/repo/index"
)

// Entries are written as Python's json.dump writes them, duplicate keys
// keeping the last value at the first key's position.
func ExampleAppend() {
	v, err := index.Parse([]byte(`{"name":"x","cpus":1.0,"name":"y","notes":"caf\u00e9"}`))
	if err != nil {
		panic(err)
	}
	fmt.Println(string(index.Append(nil, v)))
	// Output: {"name": "y", "cpus": 1.0, "notes": "caf\u00e9"}
}
