package dev.cleanroom.report;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * Headless Chromium driven through the Chrome DevTools Protocol with the JDK's HTTP client and
 * WebSocket: one browser, one page, commands by id, events in a queue. For tests of what a page
 * shows once it is laid out.
 */
final class Chromium implements AutoCloseable {
  private static final Duration TIMEOUT = Duration.ofSeconds(60);

  private final Process process;
  private final Path profile;
  private final WebSocket socket;
  private final AtomicInteger ids = new AtomicInteger();
  private final Map<Integer, CompletableFuture<Map<String, Object>>> pending =
      new ConcurrentHashMap<>();
  private final LinkedBlockingQueue<Map<String, Object>> events = new LinkedBlockingQueue<>();

  private Chromium(Process process, Path profile, WebSocket socket) {
    this.process = process;
    this.profile = profile;
    this.socket = socket;
  }

  /** The Chromium executable on the PATH, if any. */
  static Optional<Path> find() {
    String path = System.getenv("PATH");
    if (path == null) {
      return Optional.empty();
    }
    for (String dir : path.split(File.pathSeparator)) {
      for (String name : List.of("chromium", "chromium-browser")) {
        Path p = Path.of(dir, name);
        if (Files.isExecutable(p)) {
          return Optional.of(p);
        }
      }
    }
    return Optional.empty();
  }

  /** Starts Chromium headless with a new profile, on about:blank, and connects to its page. */
  static Chromium start(Path executable) throws Exception {
    Path profile = Files.createTempDirectory("cleanroom-chromium");
    Process process =
        new ProcessBuilder(
                executable.toString(),
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--hide-scrollbars",
                "--force-device-scale-factor=1",
                "--window-size=1000,800",
                "--user-data-dir=" + profile,
                "--remote-debugging-port=0",
                "about:blank")
            .redirectErrorStream(true)
            .redirectOutput(profile.resolveSibling(profile.getFileName() + ".log").toFile())
            .start();
    try {
      Path portFile = profile.resolve("DevToolsActivePort");
      long deadline = System.nanoTime() + TIMEOUT.toNanos();
      List<String> lines = List.of();
      while (lines.size() < 2) {
        if (System.nanoTime() > deadline || !process.isAlive()) {
          throw new IllegalStateException("Chromium did not start its DevTools endpoint");
        }
        Thread.sleep(50);
        if (Files.exists(portFile)) {
          lines = Files.readAllLines(portFile, StandardCharsets.UTF_8);
        }
      }
      int port = Integer.parseInt(lines.get(0).trim());
      HttpClient http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
      String pageUrl = null;
      while (pageUrl == null) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("Chromium opened no page");
        }
        HttpResponse<String> list =
            http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/json/list"))
                    .timeout(TIMEOUT)
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        for (Object t : (List<?>) MiniJson.parse(list.body())) {
          Map<?, ?> target = (Map<?, ?>) t;
          if ("page".equals(target.get("type"))) {
            pageUrl = (String) target.get("webSocketDebuggerUrl");
            break;
          }
        }
        if (pageUrl == null) {
          Thread.sleep(50);
        }
      }
      Listener listener = new Listener();
      WebSocket socket =
          http.newWebSocketBuilder()
              .connectTimeout(TIMEOUT)
              .buildAsync(URI.create(pageUrl), listener)
              .get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      Chromium c = new Chromium(process, profile, socket);
      listener.owner = c;
      c.call("Page.enable", "{}");
      c.call("Runtime.enable", "{}");
      return c;
    } catch (Exception | Error e) {
      destroy(process);
      deleteTree(profile);
      throw e;
    }
  }

  /** Receives the protocol's messages, which may arrive in parts. */
  private static final class Listener implements WebSocket.Listener {
    private final StringBuilder text = new StringBuilder();
    volatile Chromium owner;

    @Override
    public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
      text.append(data);
      if (last) {
        @SuppressWarnings("unchecked")
        Map<String, Object> message = (Map<String, Object>) MiniJson.parse(text.toString());
        text.setLength(0);
        owner.receive(message);
      }
      ws.request(1);
      return null;
    }
  }

  private void receive(Map<String, Object> message) {
    Object id = message.get("id");
    if (id instanceof Double d) {
      CompletableFuture<Map<String, Object>> f = pending.remove(d.intValue());
      if (f != null) {
        f.complete(message);
      }
    } else {
      events.add(message);
    }
  }

  /**
   * Sends a command and waits for its reply.
   *
   * @param method the protocol method
   * @param params its parameters as a JSON object
   * @return the reply's {@code result}
   */
  @SuppressWarnings("unchecked")
  Map<String, Object> call(String method, String params) throws Exception {
    int id = ids.incrementAndGet();
    CompletableFuture<Map<String, Object>> reply = new CompletableFuture<>();
    pending.put(id, reply);
    socket
        .sendText(
            "{\"id\":"
                + id
                + ",\"method\":"
                + MiniJson.quote(method)
                + ",\"params\":"
                + params
                + "}",
            true)
        .get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    Map<String, Object> message = reply.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    if (message.containsKey("error")) {
      throw new IllegalStateException(method + " failed: " + message.get("error"));
    }
    return (Map<String, Object>) message.getOrDefault("result", Map.of());
  }

  /** Opens {@code file} and waits until its load event fired and the document is complete. */
  void open(Path file) throws Exception {
    events.clear();
    call("Page.navigate", "{\"url\":" + MiniJson.quote(file.toUri().toString()) + "}");
    long deadline = System.nanoTime() + TIMEOUT.toNanos();
    while (true) {
      Map<String, Object> e = events.poll(100, TimeUnit.MILLISECONDS);
      if (e != null && "Page.loadEventFired".equals(e.get("method"))) {
        break;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the page did not load");
      }
    }
    while (!"complete".equals(evaluate("document.readyState"))) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the document did not complete");
      }
      Thread.sleep(20);
    }
  }

  /** The value of a JavaScript expression in the page (JSON-like: strings, numbers, ...). */
  @SuppressWarnings("unchecked")
  Object evaluate(String expression) throws Exception {
    Map<String, Object> r =
        call(
            "Runtime.evaluate",
            "{\"expression\":" + MiniJson.quote(expression) + ",\"returnByValue\":true}");
    if (r.containsKey("exceptionDetails")) {
      throw new IllegalStateException("script failed: " + r.get("exceptionDetails"));
    }
    return ((Map<String, Object>) r.get("result")).get("value");
  }

  /** A PNG of the whole page, at its full laid-out size. */
  byte[] screenshot() throws Exception {
    Map<?, ?> metrics = call("Page.getLayoutMetrics", "{}");
    Map<?, ?> size = (Map<?, ?>) metrics.get("cssContentSize");
    double w = Math.ceil((Double) size.get("width"));
    double h = Math.ceil((Double) size.get("height"));
    Map<String, Object> r =
        call(
            "Page.captureScreenshot",
            "{\"format\":\"png\",\"captureBeyondViewport\":true,\"clip\":{\"x\":0,\"y\":0,"
                + "\"width\":"
                + w
                + ",\"height\":"
                + h
                + ",\"scale\":1}}");
    return Base64.getDecoder().decode((String) r.get("data"));
  }

  @Override
  public void close() {
    socket.abort();
    destroy(process);
    deleteTree(profile);
    try {
      Files.deleteIfExists(profile.resolveSibling(profile.getFileName() + ".log"));
    } catch (IOException e) {
      // a leftover log in the temporary directory does no harm
    }
  }

  private static void destroy(Process process) {
    process.descendants().forEach(ProcessHandle::destroy);
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void deleteTree(Path dir) {
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // a profile left in the temporary directory does no harm
    }
  }
}
