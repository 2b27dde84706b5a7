//! Every default of the `queue` model, each with its source. The arrival
//! rate and the service distribution have none: an experiment names them.
//! An omitted `queue_limit` means an unbounded queue, the M/G/c of theory.

/// One server: M/M/1, "the classical queueing system" (Kleinrock,
/// "Queueing Systems", Vol. 1, 1975, §3.2), the first case every
/// validation checks.
pub const SERVERS: u32 = 1;

/// [`SERVERS`], for serde.
pub fn servers() -> u32 {
    SERVERS
}
