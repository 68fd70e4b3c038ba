// AtriumServer: see docs/architecture.md
