//! The stand-in application that drills run against (SPEC §7).
