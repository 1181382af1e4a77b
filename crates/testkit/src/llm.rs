//! A real OpenAI-compatible model server for the coaching chat's tests: llama.cpp's, from the
//! `llama-cpp-python` package, serving a tiny random-weight model that `scripts/llm/tiny_model.py` writes. Its
//! words mean nothing; its protocol (streamed chunks, tool calls, errors) is the real one.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The repository's `scripts/llm`.
fn scripts() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scripts/llm")
}

/// A model server running as a child process, killed on `Drop`.
#[derive(Debug)]
pub struct LlmServer {
    child: Child,
    dir: PathBuf,
    port: u16,
}

impl LlmServer {
    /// Writes the tiny model and starts the server on a free port, waiting until it answers. Panics with what
    /// to install when Python's `llama_cpp` or `gguf` is missing: a chat test without its model server tests
    /// nothing.
    pub fn start() -> LlmServer {
        let check = Command::new("python3").args(["-c", "import llama_cpp.server, gguf, numpy"]).output();
        match check {
            Ok(out) if out.status.success() => {}
            Ok(out) => panic!(
                "the chat tests need llama-cpp-python's server and gguf: run scripts/deps.sh --llm ({})",
                String::from_utf8_lossy(&out.stderr).lines().last().unwrap_or_default()
            ),
            Err(e) => panic!("the chat tests need python3 with llama-cpp-python: {e}"),
        }
        let dir = std::env::temp_dir().join(format!("racecraft-llm-{}-{}", std::process::id(), unique()));
        std::fs::create_dir_all(&dir).expect("model directory");
        let model = dir.join("tiny.gguf");
        let written = Command::new("python3")
            .arg(scripts().join("tiny_model.py"))
            .arg(&model)
            .stdout(Stdio::null())
            .status()
            .expect("python3 runs");
        assert!(written.success(), "scripts/llm/tiny_model.py failed");
        let port = TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("free port").port();
        let log = std::fs::File::create(dir.join("server.log")).expect("log file");
        let child = Command::new("bash")
            .arg(scripts().join("serve.sh"))
            .arg(&model)
            .arg(port.to_string())
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .spawn()
            .expect("the model server starts");
        let mut server = LlmServer { child, dir, port };
        server.wait_ready();
        server
    }

    /// `http://127.0.0.1:PORT/v1`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/v1", self.port)
    }

    /// What the server logged so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("server.log")).unwrap_or_default()
    }

    /// Waits for `GET /v1/models` to answer 200 (loading the model takes a second or two), failing if the
    /// process exits first or it never does within a minute.
    fn wait_ready(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("the model server exited ({status}):\n{}", self.log());
            }
            if self.models_answer() {
                return;
            }
            assert!(Instant::now() < deadline, "the model server did not answer within 60 s:\n{}", self.log());
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn models_answer(&self) -> bool {
        let Ok(mut stream) = TcpStream::connect(("127.0.0.1", self.port)) else {
            return false;
        };
        let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
        let request = format!("GET /v1/models HTTP/1.0\r\nHost: 127.0.0.1:{}\r\n\r\n", self.port);
        if stream.write_all(request.as_bytes()).is_err() {
            return false;
        }
        let mut head = [0u8; 12];
        stream.read_exact(&mut head).is_ok() && head.ends_with(b"200")
    }
}

fn unique() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

impl Drop for LlmServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
