//! Running the built `zrsign` binary: a clean environment (no inherited `ZRSIGN_*`), outputs captured, JSON
//! parsed into the documented shapes, and long-running children killed and reaped when the test ends, passes
//! or fails.

use std::{
    ffi::OsString,
    path::{Path, PathBuf},
    process::{Child, Command, Output, Stdio},
    time::{Duration, Instant},
};

/// The binary cargo built for this test run.
pub const BIN: &str = env!("CARGO_BIN_EXE_zrsign");

/// The hex private key of anvil dev account `index`.
pub fn dev_key(chain: &zrsign::chain::AnvilChain, index: usize) -> String {
    chain.keys()[index].to_bytes().to_string()
}

/// A finished run.
#[derive(Debug)]
pub struct Run {
    /// Exit code (`-1` if killed by a signal).
    pub code: i32,
    /// stdout.
    pub stdout: String,
    /// stderr.
    pub stderr: String,
}

impl Run {
    fn from(output: Output) -> Self {
        Self {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// Asserts success and parses stdout as `T`.
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> T {
        assert_eq!(self.code, 0, "expected success:\n{self:#?}");
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not the documented JSON ({e}):\n{self:#?}"))
    }

    /// Asserts the failure: exit `code`, and stderr exactly one line `error: …` containing every `needle`.
    pub fn fails(&self, code: i32, needles: &[&str]) -> &str {
        let lines: Vec<&str> = self.stderr.lines().filter(|l| !l.trim().is_empty()).collect();
        assert_eq!(self.code, code, "exit code:\n{self:#?}");
        assert_eq!(lines.len(), 1, "one line on stderr:\n{self:#?}");
        let line = lines[0];
        assert!(line.starts_with("error: "), "{line}");
        for needle in needles {
            assert!(line.contains(needle), "{line:?} should contain {needle:?}");
        }
        assert!(self.stdout.is_empty(), "nothing on stdout when it fails:\n{self:#?}");
        line
    }
}

/// The binary with a clean environment.
#[derive(Debug, Clone)]
pub struct Zrsign {
    /// The binary.
    pub bin: PathBuf,
    /// The working directory.
    pub dir: PathBuf,
    /// Variables set on every run (nothing else is inherited but `PATH` and `HOME`).
    pub env: Vec<(String, OsString)>,
}

impl Zrsign {
    /// The built binary, run in `dir` with `dir/zrsign.toml` as its config.
    pub fn new(dir: &Path) -> Self {
        Self::at(PathBuf::from(BIN), dir)
    }

    /// `bin`, run in `dir`.
    pub fn at(bin: PathBuf, dir: &Path) -> Self {
        let mut env = vec![("RUST_LOG".to_owned(), OsString::from("warn"))];
        for var in ["PATH", "HOME"] {
            if let Some(value) = std::env::var_os(var) {
                env.push((var.to_owned(), value));
            }
        }
        Self { bin, dir: dir.to_owned(), env }
    }

    /// Sets a variable on every run.
    pub fn with_env(mut self, key: &str, value: impl Into<OsString>) -> Self {
        self.env.retain(|(k, _)| k != key);
        self.env.push((key.to_owned(), value.into()));
        self
    }

    /// The command for `args`.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(&self.bin);
        cmd.args(args).current_dir(&self.dir).env_clear().envs(self.env.iter().map(|(k, v)| (k, v)));
        cmd.stdin(Stdio::null());
        cmd
    }

    /// Runs `args` to completion.
    pub fn run(&self, args: &[&str]) -> Run {
        Run::from(self.command(args).output().unwrap_or_else(|e| panic!("run {}: {e}", self.bin.display())))
    }

    /// Starts a long-running `args` (stdout and stderr to files in the working directory, named `name`).
    pub fn spawn(&self, name: &str, args: &[&str]) -> Service {
        let out = self.dir.join(format!("{name}.stdout"));
        let err = self.dir.join(format!("{name}.stderr"));
        let mut cmd = self.command(args);
        cmd.stdout(std::fs::File::create(&out).expect("stdout file"))
            .stderr(std::fs::File::create(&err).expect("stderr file"))
            .env("RUST_LOG", "info");
        let child = cmd.spawn().unwrap_or_else(|e| panic!("spawn {name}: {e}"));
        Service { name: name.to_owned(), child: Some(child), stdout: out, stderr: err }
    }
}

/// A child process that is killed and reaped when dropped (test failure included).
pub struct Service {
    /// Its name.
    pub name: String,
    child: Option<Child>,
    /// Its stdout file.
    pub stdout: PathBuf,
    /// Its stderr file.
    pub stderr: PathBuf,
}

impl Service {
    /// Fails the test if the process has exited, showing its output.
    pub fn assert_running(&mut self) {
        if let Some(Ok(Some(status))) = self.child.as_mut().map(Child::try_wait) {
            panic!("{} exited ({status}):\n{}", self.name, self.output());
        }
    }

    /// What it printed.
    pub fn output(&self) -> String {
        let read = |p: &Path| std::fs::read_to_string(p).unwrap_or_default();
        format!("--- stdout\n{}--- stderr\n{}", read(&self.stdout), read(&self.stderr))
    }

    /// Sends SIGKILL and reaps it (a crash: no shutdown path runs).
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Sends SIGTERM and waits (with a deadline) for a clean exit; returns its exit code.
    pub fn terminate(&mut self, deadline: Duration) -> i32 {
        let Some(mut child) = self.child.take() else { return -1 };
        let pid = child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        let started = Instant::now();
        loop {
            if let Ok(Some(status)) = child.try_wait() {
                return status.code().unwrap_or(-1);
            }
            if started.elapsed() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                panic!("{} did not stop within {deadline:?} of SIGTERM:\n{}", self.name, self.output());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Polls `check` until it returns `Some`, failing with `what` after `deadline`.
pub fn wait_for<T>(what: &str, deadline: Duration, mut check: impl FnMut() -> Option<T>) -> T {
    let started = Instant::now();
    loop {
        if let Some(value) = check() {
            return value;
        }
        assert!(started.elapsed() < deadline, "timed out after {deadline:?} waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Writes `text` to `dir/name` and returns the path as a string.
pub fn write_file(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write file");
    path.display().to_string()
}
