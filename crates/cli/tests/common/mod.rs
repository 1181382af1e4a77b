//! Helpers the CLI's process tests share.
#![allow(dead_code)]

use std::io::BufRead as _;
use std::process::{Child, Command, Output};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// A running `racecraft` whose stdout is read line by line as it comes.
pub struct Running {
    child: Child,
    lines: mpsc::Receiver<String>,
    stdout: std::thread::JoinHandle<String>,
}

impl Running {
    pub fn spawn(mut cmd: Command) -> Self {
        let mut child = cmd.spawn().expect("racecraft starts");
        let out = child.stdout.take().expect("stdout");
        let (tx, lines) = mpsc::channel();
        let stdout = std::thread::spawn(move || {
            let mut all = String::new();
            for line in std::io::BufReader::new(out).lines().map_while(Result::ok) {
                all.push_str(&line);
                all.push('\n');
                let _ = tx.send(line);
            }
            all
        });
        Running { child, lines, stdout }
    }

    /// Waits for the line starting with `prefix` (the capture prints "Capturing" once every source is bound
    /// and the server answers).
    pub fn wait_line(&self, prefix: &str) {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) if line.starts_with(prefix) => return,
                Ok(_) => {}
                Err(e) => panic!("no line starting with {prefix:?}: {e}"),
            }
        }
    }

    /// Ctrl-C, as a user in the console would; returns the output once it has exited (a hang fails).
    pub fn interrupt(mut self) -> (Output, String) {
        let status = Command::new("kill").args(["-INT", &self.child.id().to_string()]).status().expect("kill");
        assert!(status.success());
        let deadline = Instant::now() + Duration::from_secs(60);
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                break status;
            }
            if Instant::now() > deadline {
                self.child.kill().expect("kill");
                panic!("still running a minute after Ctrl-C");
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let mut stderr = Vec::new();
        std::io::Read::read_to_end(&mut self.child.stderr.take().expect("stderr"), &mut stderr).expect("stderr");
        let stdout = self.stdout.join().expect("stdout reader");
        (Output { status, stdout: stdout.clone().into_bytes(), stderr }, stdout)
    }
}
