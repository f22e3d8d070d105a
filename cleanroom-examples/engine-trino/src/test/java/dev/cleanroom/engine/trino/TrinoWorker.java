package dev.cleanroom.engine.trino;

import io.trino.plugin.memory.MemoryPlugin;
import io.trino.server.testing.TestingTrinoServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.util.Map;

/**
 * A Trino worker in a JVM of its own: started by {@link TrinoCluster} with the discovery service's
 * address, it announces itself there (where the coordinator finds it), loads the memory connector
 * under the cluster's catalogs, prints {@value #READY} and serves until its standard input closes
 * (so it ends with the JVM that started it, even one that was killed).
 */
public final class TrinoWorker {
  /** The line printed once the worker serves. */
  static final String READY = "cleanroom-trino-worker-ready";

  private TrinoWorker() {}

  /**
   * Starts the worker.
   *
   * @param args the discovery service's base URL, then the environment name
   * @throws IOException if standard input cannot be read
   */
  public static void main(String[] args) throws IOException {
    TestingTrinoServer worker =
        TestingTrinoServer.builder()
            .setCoordinator(false)
            .setDiscoveryUri(URI.create(args[0]))
            .setEnvironment(args[1])
            .setProperties(TrinoCluster.nodeProperties())
            .build();
    worker.installPlugin(new MemoryPlugin());
    for (String catalog : TrinoCluster.CATALOGS) {
      worker.createCatalog(catalog, "memory", Map.of());
    }
    System.out.println(READY);
    System.out.flush();
    InputStream in = System.in;
    while (in.read() >= 0) {
      // Serve until the parent closes the pipe.
    }
    worker.close();
    System.exit(0);
  }
}
