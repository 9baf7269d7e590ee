//! The engine: executes a runbook and emits events; knows no terminal and no file format.
//! Its consumers (journal, TUI, headless reporter) send controls back.
