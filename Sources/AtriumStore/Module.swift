// AtriumStore: see docs/architecture.md
