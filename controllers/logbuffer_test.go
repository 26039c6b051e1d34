package controllers_test

import (
	"bytes"
	"sync"

	"go.uber.org/zap/zapcore"
)

// syncBuffer collects the operator's logs for the secret-leak test.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}

func zapLevel(l int8) zapcore.Level { return zapcore.Level(l) }
