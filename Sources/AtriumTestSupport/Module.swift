// AtriumTestSupport: see docs/architecture.md
