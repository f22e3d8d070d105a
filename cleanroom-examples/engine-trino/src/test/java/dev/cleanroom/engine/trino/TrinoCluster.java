package dev.cleanroom.engine.trino;

import io.airlift.discovery.server.testing.TestingDiscoveryServer;
import io.trino.metadata.AllNodes;
import io.trino.plugin.memory.MemoryPlugin;
import io.trino.server.testing.TestingTrinoServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A distributed Trino 435 for the tests and the benchmark: a discovery service and a coordinator in
 * this JVM (Trino's {@code TestingTrinoServer}, which only plans and coordinates: {@code
 * node-scheduler.include-coordinator=false}) and {@value #WORKERS} workers, each in a JVM of its
 * own started from this JVM's class path ({@link TrinoWorker}), all on loopback. Every node serves
 * the memory connector under the catalogs {@code memory} and {@code other}; tables live in the
 * workers' memory, split over both.
 *
 * <p>One cluster per JVM: {@link #get()} starts it on first use (some tens of seconds on two cores)
 * and a shutdown hook stops it, so every test class of a Surefire run shares it.
 */
public final class TrinoCluster {
  /** The workers, each a JVM of its own. */
  public static final int WORKERS = 2;

  /** The catalogs of every node (the memory connector). */
  static final List<String> CATALOGS = List.of("memory", "other");

  private static final String ENVIRONMENT = "cleanroom";
  private static final Duration START_TIMEOUT = Duration.ofMinutes(10);
  private static TrinoCluster instance;
  private static IllegalStateException failure;

  private final TestingDiscoveryServer discovery;
  private final TestingTrinoServer coordinator;
  private final List<Process> workers;
  private final javax.sql.DataSource jdbc;
  private final javax.sql.DataSource jdbcWithoutCatalog;

  private TrinoCluster(
      TestingDiscoveryServer discovery, TestingTrinoServer coordinator, List<Process> workers) {
    this.discovery = discovery;
    this.coordinator = coordinator;
    this.workers = workers;
    String base = "jdbc:trino://127.0.0.1:" + coordinator.getAddress().getPort();
    this.jdbc = dev.cleanroom.jdbc.JdbcSource.dataSource(base + "/memory/default?user=cleanroom");
    this.jdbcWithoutCatalog = dev.cleanroom.jdbc.JdbcSource.dataSource(base + "?user=cleanroom");
  }

  /**
   * The properties of every node: few threads, as Trino's own tests set them for small machines.
   */
  static Map<String, String> nodeProperties() {
    return Map.of(
        "query.client.timeout", "10m",
        "discovery.http-client.min-threads", "1",
        "exchange.http-client.min-threads", "1",
        "node-manager.http-client.min-threads", "1",
        "exchange.page-buffer-client.max-callback-threads", "5");
  }

  /**
   * The cluster of this JVM, started on first use.
   *
   * @throws IllegalStateException if it cannot be started (then on every call, without trying
   *     again)
   */
  public static synchronized TrinoCluster get() {
    if (failure != null) {
      throw failure;
    }
    if (instance == null) {
      try {
        instance = start();
      } catch (Exception e) {
        failure = new IllegalStateException("cannot start the Trino cluster", e);
        throw failure;
      }
      Runtime.getRuntime().addShutdownHook(new Thread(instance::stop, "trino-cluster-stop"));
    }
    return instance;
  }

  private static TrinoCluster start() throws Exception {
    Map<String, String> properties = new java.util.HashMap<>(nodeProperties());
    properties.put("node-scheduler.include-coordinator", "false");
    TestingDiscoveryServer discovery = new TestingDiscoveryServer(ENVIRONMENT);
    TestingTrinoServer coordinator;
    try {
      coordinator =
          TestingTrinoServer.builder()
              .setCoordinator(true)
              .setEnvironment(ENVIRONMENT)
              .setDiscoveryUri(discovery.getBaseUrl())
              .setProperties(properties)
              .build();
    } catch (RuntimeException | Error e) {
      discovery.close();
      throw e;
    }
    List<Process> workers = new ArrayList<>();
    try {
      coordinator.installPlugin(new MemoryPlugin());
      for (String catalog : CATALOGS) {
        coordinator.createCatalog(catalog, "memory", Map.of());
      }
      for (int i = 0; i < WORKERS; i++) {
        workers.add(startWorker(discovery.getBaseUrl().toString()));
      }
      for (Process w : workers) {
        awaitReady(w);
      }
      awaitNodes(coordinator, WORKERS + 1);
    } catch (Exception | Error e) {
      workers.forEach(Process::destroyForcibly);
      coordinator.close();
      discovery.close();
      throw e;
    }
    return new TrinoCluster(discovery, coordinator, List.copyOf(workers));
  }

  private static Process startWorker(String discovery) throws IOException {
    Path java = Paths.get(System.getProperty("java.home"), "bin", "java");
    List<String> command = new ArrayList<>();
    command.add(java.toString());
    command.add("-Xmx1g");
    command.add("-XX:+UseG1GC");
    String provider = System.getProperty("slf4j.provider");
    if (provider != null) {
      command.add("-Dslf4j.provider=" + provider);
    }
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(TrinoWorker.class.getName());
    command.add(discovery);
    command.add(ENVIRONMENT);
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.redirectErrorStream(true);
    return pb.start();
  }

  /** Reads the worker's output until its ready line (echoing nothing: Trino logs much). */
  private static void awaitReady(Process worker) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    BufferedReader out =
        new BufferedReader(new InputStreamReader(worker.getInputStream(), StandardCharsets.UTF_8));
    List<String> tail = new ArrayList<>();
    String line;
    while ((line = out.readLine()) != null) {
      if (line.contains(TrinoWorker.READY)) {
        drain(out);
        return;
      }
      tail.add(line);
      if (tail.size() > 40) {
        tail.remove(0);
      }
      if (System.nanoTime() > deadline) {
        break;
      }
    }
    worker.destroyForcibly();
    worker.waitFor(10, TimeUnit.SECONDS);
    throw new IOException(
        "a Trino worker did not start (exit "
            + (worker.isAlive() ? "none" : worker.exitValue())
            + "); its last lines:\n"
            + String.join("\n", tail));
  }

  /** Keeps reading a worker's output so that it never blocks on a full pipe. */
  private static void drain(BufferedReader out) {
    Thread t =
        new Thread(
            () -> {
              try {
                while (out.readLine() != null) {
                  // discarded
                }
              } catch (IOException e) {
                // the worker ended
              }
            },
            "trino-worker-output");
    t.setDaemon(true);
    t.start();
  }

  private static void awaitNodes(TestingTrinoServer coordinator, int nodes)
      throws InterruptedException {
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (true) {
      AllNodes all = coordinator.refreshNodes();
      if (all.getActiveNodes().size() == nodes) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "the coordinator sees " + all.getActiveNodes().size() + " of " + nodes + " nodes");
      }
      TimeUnit.MILLISECONDS.sleep(100);
    }
  }

  /** Stops the workers and the coordinator. */
  private void stop() {
    for (Process w : workers) {
      try {
        w.getOutputStream().close();
      } catch (IOException e) {
        // it is being destroyed anyway
      }
      w.destroy();
    }
    try {
      coordinator.close();
      discovery.close();
    } catch (Exception e) {
      // stopping anyway
    }
  }

  /** Connections whose session catalog is {@code memory} and schema {@code default}. */
  public javax.sql.DataSource jdbc() {
    return jdbc;
  }

  /** Connections without a session catalog or schema. */
  public javax.sql.DataSource jdbcWithoutCatalog() {
    return jdbcWithoutCatalog;
  }

  /** The coordinator, for its query log. */
  public TestingTrinoServer coordinator() {
    return coordinator;
  }

  /** The nodes the coordinator sees as active: the coordinator and the workers. */
  public int activeNodes() {
    return coordinator.refreshNodes().getActiveNodes().size();
  }

  /** The process ids of the workers' JVMs. */
  public List<Long> workerPids() {
    return workers.stream().map(Process::pid).toList();
  }

  /** Runs each statement through the JDBC driver. */
  public void execute(String... statements) throws SQLException {
    try (Connection c = jdbc.getConnection();
        Statement s = c.createStatement()) {
      for (String sql : statements) {
        s.execute(sql);
      }
    }
  }

  /**
   * Inserts rows into {@code tableSql} with one statement per at most 500 rows, every value a bound
   * parameter (a null value is NULL).
   */
  public void insert(String tableSql, List<Object[]> rows) throws SQLException {
    if (rows.isEmpty()) {
      return;
    }
    int n = rows.get(0).length;
    String tuple = "(" + String.join(", ", Collections.nCopies(n, "?")) + ")";
    try (Connection c = jdbc.getConnection()) {
      for (int from = 0; from < rows.size(); from += 500) {
        List<Object[]> chunk = rows.subList(from, Math.min(rows.size(), from + 500));
        String sql =
            "INSERT INTO "
                + tableSql
                + " VALUES "
                + String.join(", ", Collections.nCopies(chunk.size(), tuple));
        try (PreparedStatement ps = c.prepareStatement(sql)) {
          int p = 1;
          for (Object[] row : chunk) {
            for (Object v : row) {
              ps.setObject(p++, v);
            }
          }
          ps.executeUpdate();
        }
      }
    }
  }
}
