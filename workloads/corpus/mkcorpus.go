//go:build ignore

// mkcorpus rebuilds opticks.txt, the natural-text corpus that synthetic
// prompts are cut from, out of the public-domain text of Newton's Opticks
// that the Go distribution ships as a test file:
//
//	go run ./workloads/corpus/mkcorpus.go > workloads/corpus/opticks.txt
//
// It keeps the body of the book from its first chapter, drops illustration
// markers, tables and separators, removes the underscores that mark italics,
// joins each paragraph onto one line and stops at the last paragraph that
// fits in maxBytes.
package main

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

const (
	firstLine = "My Design in this Book"
	maxBytes  = 256 << 10
)

func main() {
	src := filepath.Join(runtime.GOROOT(), "src", "testdata", "Isaac.Newton-Opticks.txt")
	b, err := os.ReadFile(src)
	if err != nil {
		fmt.Fprintln(os.Stderr, "mkcorpus:", err)
		os.Exit(1)
	}
	text := string(b)
	start := strings.Index(text, firstLine)
	if start < 0 {
		fmt.Fprintln(os.Stderr, "mkcorpus: start of the book not found")
		os.Exit(1)
	}
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	size := 0
	for _, para := range strings.Split(strings.ReplaceAll(text[start:], "\r\n", "\n"), "\n\n") {
		p, ok := clean(para)
		if !ok {
			continue
		}
		if size+len(p)+2 > maxBytes {
			break
		}
		if size > 0 {
			out.WriteString("\n\n")
			size += 2
		}
		out.WriteString(p)
		size += len(p)
	}
	out.WriteString("\n")
}

// clean joins a paragraph onto one line; ok is false for paragraphs that are
// not prose (tables, separators, illustration markers, blank).
func clean(para string) (string, bool) {
	var words []string
	for _, line := range strings.Split(para, "\n") {
		if strings.HasPrefix(line, "  ") || strings.Contains(line, "|") {
			return "", false // tables and separators are indented
		}
		if strings.HasPrefix(line, "[Illustration") {
			continue
		}
		words = append(words, strings.Fields(strings.ReplaceAll(line, "_", ""))...)
	}
	if len(words) < 4 {
		return "", false // headings and figure labels carry little text
	}
	return strings.Join(words, " "), true
}
