// Command gostart returns at once. hack/bench.sh times it as the start and
// exit of a Go process that links nothing beyond the runtime, the floor
// under irsa-render's own start.
package main

func main() {}
