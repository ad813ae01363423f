package web_test

import (
	"testing"

	"github.com/ketaflow/ketaflow/web/webtest"
)

func TestMain(m *testing.M) { webtest.Main(m) }
