//! The interactive terminal interface: state updated by events and keys, pure views, and the
//! guard that always restores the terminal.
