//! The generator's randomness (SplitMix64: the same numbers for the same seed everywhere) and
//! its message bodies: sentences of common words, Zipf-like, with a few phrases and rare words
//! that the search bench looks for.

/// SplitMix64.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x9e37_79b9_7f4a_7c15)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n` > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next()) * u128::from(n)) >> 64) as u64
    }

    /// In `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

const WORDS: &[&str] = &[
    "the",
    "we",
    "to",
    "it",
    "is",
    "and",
    "a",
    "for",
    "on",
    "this",
    "that",
    "with",
    "can",
    "should",
    "will",
    "be",
    "from",
    "in",
    "of",
    "next",
    "week",
    "today",
    "tomorrow",
    "team",
    "update",
    "please",
    "thanks",
    "check",
    "review",
    "fix",
    "issue",
    "bug",
    "build",
    "test",
    "tests",
    "deploy",
    "release",
    "server",
    "client",
    "page",
    "pages",
    "design",
    "customer",
    "meeting",
    "notes",
    "plan",
    "draft",
    "ready",
    "done",
    "blocked",
    "waiting",
    "merge",
    "branch",
    "change",
    "changes",
    "config",
    "logs",
    "error",
    "timeout",
    "latency",
    "memory",
    "disk",
    "query",
    "index",
    "search",
    "report",
    "numbers",
    "budget",
    "invoice",
    "contract",
    "launch",
    "roadmap",
    "feedback",
    "question",
    "answer",
    "idea",
    "proposal",
    "sprint",
    "backlog",
    "ticket",
    "priority",
    "deadline",
    "friday",
    "monday",
    "morning",
    "afternoon",
    "call",
    "sync",
    "slides",
    "demo",
    "staging",
    "production",
    "rollback",
    "monitoring",
    "alert",
    "oncall",
    "incident",
    "postmortem",
    "dashboard",
    "metrics",
    "chart",
    "export",
    "import",
    "schema",
    "table",
    "migration",
    "database",
    "cache",
    "queue",
    "worker",
    "cluster",
    "network",
    "certificate",
    "login",
    "password",
    "token",
    "session",
    "api",
    "endpoint",
    "version",
    "upgrade",
    "dependency",
    "library",
    "python",
    "rust",
    "javascript",
    "browser",
    "mobile",
    "android",
    "iphone",
    "layout",
    "button",
    "sidebar",
    "thread",
    "channel",
    "message",
    "reply",
    "mention",
    "notification",
    "calendar",
    "holiday",
    "office",
    "remote",
    "hiring",
    "interview",
    "candidate",
    "onboarding",
    "handbook",
    "policy",
    "legal",
    "privacy",
    "security",
    "audit",
    "compliance",
    "vendor",
    "pricing",
    "discount",
    "renewal",
    "churn",
    "growth",
    "signup",
    "trial",
    "support",
    "refund",
    "shipping",
    "warehouse",
    "inventory",
    "forecast",
    "quarter",
    "revenue",
    "margin",
    "cost",
    "savings",
];

/// Rare words: a handful of messages each.
const RARE: &[&str] = &["zebra", "quokka", "narwhal", "axolotl", "pangolin", "okapi", "tapir", "wombat"];

/// The body of message `n` of the workspace made with `seed`: 4 to 30 words.
pub fn body(seed: u64, n: u64) -> String {
    let mut rng = Rng::new(seed.wrapping_mul(0x2545_f491_4f6c_dd1d) ^ n);
    let len = 4 + rng.below(27) as usize;
    let mut words: Vec<&str> = Vec::with_capacity(len + 2);
    for _ in 0..len {
        // Zipf-like: low indices far more often.
        let u = rng.unit();
        words.push(WORDS[(u * u * u * WORDS.len() as f64) as usize]);
    }
    match rng.below(1000) {
        0..30 => words.extend(["release", "candidate"]),
        30..50 => words.extend(["database", "migration"]),
        50..52 => words.push(RARE[rng.below(RARE.len() as u64) as usize]),
        _ => {}
    }
    let mut text = words.join(" ");
    if let Some(first) = text.get_mut(0..1) {
        first.make_ascii_uppercase();
    }
    text.push('.');
    text
}
