package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/app"
)

// metrics are the operators' figures, served at GET /metrics in the
// Prometheus text format (issue 12): requests and their latency per route,
// the database pools' waits, the live-page subscribers, and the Go
// runtime. They carry no patient data: a route is its pattern
// ("/api/v1/visits/{id}"), never a path with an id in it.
type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	inFlight prometheus.Gauge
}

func newMetrics(a *app.App) *metrics {
	reg := prometheus.NewRegistry()
	m := &metrics{
		reg: reg,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ketaflow_http_requests_total",
			Help: "HTTP requests answered, by route pattern, method and status code.",
		}, []string{"route", "method", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "ketaflow_http_request_duration_seconds",
			Help: "Time to answer an HTTP request, by route pattern and method (event streams left out: they last as long as the page).",
			// From 1 ms: a view answers in a few; to 10 s: a slow report.
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"route", "method"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "ketaflow_http_requests_in_flight",
			Help: "HTTP requests being answered now, event streams included.",
		}),
	}
	reg.MustRegister(m.requests, m.latency, m.inFlight,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "ketaflow_event_subscribers",
			Help: "Live pages and board streams subscribed to this server's events now.",
		}, func() float64 { return float64(a.Events.Subscribers()) }))
	for name, pool := range a.DB.Pools() {
		// go_sql_wait_duration_seconds_total{db_name="writer"} is the
		// time writes waited for the database.
		reg.MustRegister(collectors.NewDBStatsCollector(pool, name))
	}
	return m
}

// instrument counts and times the requests of one route.
func (m *metrics) instrument(method, pattern string, next http.Handler) http.Handler {
	streams := strings.HasSuffix(pattern, "/events")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m.inFlight.Inc()
		defer m.inFlight.Dec()
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		code := sw.status
		if code == 0 {
			code = http.StatusOK
		}
		m.requests.WithLabelValues(pattern, method, strconv.Itoa(code)).Inc()
		if !streams {
			m.latency.WithLabelValues(pattern, method).Observe(time.Since(start).Seconds())
		}
	})
}

// metricsEndpoint serves the figures to an admin: a Prometheus server
// scrapes it with an admin's read-scoped API token as its bearer token.
func (s *Server) metricsEndpoint() Endpoint {
	h := promhttp.HandlerFor(s.metrics.reg, promhttp.HandlerOpts{})
	return Endpoint{Method: "GET", Pattern: "/metrics", Auth: LoginOrToken,
		Handle: func(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
			if err := actor.Check(access.MetricsRead); err != nil {
				return err
			}
			h.ServeHTTP(w, r)
			return nil
		}}
}
