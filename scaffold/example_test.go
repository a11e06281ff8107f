package scaffold_test

import (
	"fmt"

	"github.com/universe-pm/universe/scaffold"
)

func ExampleFiles() {
	files, err := scaffold.Files("hello")
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, f := range files {
		fmt.Println(f.Name)
	}
	_, err = scaffold.Files("Hello")
	fmt.Println(err)
	// Output:
	// package.json
	// config.json
	// marathon.json.mustache
	// resource.json
	// invalid package name "Hello": use lower-case letters, digits and dashes, starting with a letter and not ending with a dash
}
