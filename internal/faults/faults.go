// Package faults holds the misbehaving peers that the tests of several
// packages share: a keep-alive server that drops its connections and a
// file on a full disk. Only tests import it.
package faults

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"syscall"
	"testing"
)

// Drop says how a KeepAliveServer drops its connections.
type Drop int

const (
	// CloseAfterEach answers "Connection: keep-alive", then closes the
	// socket after every response, as llama-server does; whether the
	// client takes the dying connection from its pool is a race.
	CloseAfterEach Drop = iota
	// CloseOnNext keeps the connection open, and closes it without an
	// answer when a second request arrives on it: the race lost every time.
	CloseOnNext
)

// KeepAliveServer serves h on a raw loopback listener, writing each answer
// itself (chunked, "Connection: keep-alive") and dropping connections as
// drop says. It returns the base URL; the server stops when t ends.
func KeepAliveServer(t testing.TB, h http.Handler, drop Drop) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var open []net.Conn
	var wg sync.WaitGroup
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range open {
			c.Close() // kept-alive connections the client still holds
		}
		mu.Unlock()
		wg.Wait()
	})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			open = append(open, c)
			mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				serveConn(c, h, drop)
			}()
		}
	}()
	return "http://" + ln.Addr().String()
}

// serveConn answers the requests of one connection until drop ends it.
func serveConn(c net.Conn, h http.Handler, drop Drop) {
	br := bufio.NewReader(c)
	for served := 0; ; served++ {
		req, err := http.ReadRequest(br)
		if err != nil {
			return
		}
		body, _ := io.ReadAll(req.Body)
		req.Body = io.NopCloser(bytes.NewReader(body))
		if served > 0 && drop == CloseOnNext {
			return // the request is read, never answered
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		bw := bufio.NewWriter(c)
		fmt.Fprintf(bw, "HTTP/1.1 %d %s\r\n", rec.Code, http.StatusText(rec.Code))
		rec.Header().Write(bw)
		fmt.Fprintf(bw, "Connection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n")
		if b := rec.Body.Bytes(); len(b) > 0 {
			fmt.Fprintf(bw, "%x\r\n%s\r\n", len(b), b)
		}
		fmt.Fprintf(bw, "0\r\n\r\n")
		bw.Flush()
		if drop == CloseAfterEach {
			return
		}
	}
}

// FullDisk is an *os.File whose writes fail with ENOSPC after OK writes,
// leaving half of the failing write in the file, as a full disk does.
type FullDisk struct {
	*os.File
	OK int
}

func (d *FullDisk) Write(b []byte) (int, error) {
	if d.OK > 0 {
		d.OK--
		return d.File.Write(b)
	}
	n, _ := d.File.Write(b[:len(b)/2])
	return n, &os.PathError{Op: "write", Path: d.Name(), Err: syscall.ENOSPC}
}

// RefusingURL is the base URL of a loopback port nobody listens on: one
// the system gave this test, then closed, so a connection to it is
// refused (no fixed port another process may hold).
func RefusingURL(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	return "http://" + addr
}
