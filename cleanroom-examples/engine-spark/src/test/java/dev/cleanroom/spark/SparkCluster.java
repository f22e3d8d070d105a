package dev.cleanroom.spark;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.List;
import org.apache.hive.service.Service;
import org.apache.hive.service.cli.thrift.ThriftCLIService;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.hive.thriftserver.HiveThriftServer2;
import org.apache.spark.sql.types.StructType;

/**
 * A Spark SQL cluster on this machine for the tests: a driver in the test JVM, a standalone master
 * and two workers ({@code local-cluster[2,1,1024]}: each worker starts its executor as a separate
 * JVM with one core and 1 GiB), a Hive metastore in Derby and the warehouse under {@code
 * target/spark}, and Spark's Thrift JDBC server on a free loopback port, reached with the Hive JDBC
 * driver 2.3.9 that Spark 3.5 ships. One cluster serves a whole test run ({@link #get()}); it stops
 * when the JVM exits.
 */
public final class SparkCluster {
  /** The options Spark 3.5 needs on Java 17 (its launcher's {@code JavaModuleOptions}). */
  public static final String JAVA_17_OPTIONS =
      String.join(
          " ",
          "-XX:+IgnoreUnrecognizedVMOptions",
          "--add-opens=java.base/java.lang=ALL-UNNAMED",
          "--add-opens=java.base/java.lang.invoke=ALL-UNNAMED",
          "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
          "--add-opens=java.base/java.io=ALL-UNNAMED",
          "--add-opens=java.base/java.net=ALL-UNNAMED",
          "--add-opens=java.base/java.nio=ALL-UNNAMED",
          "--add-opens=java.base/java.util=ALL-UNNAMED",
          "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
          "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
          "--add-opens=java.base/jdk.internal.ref=ALL-UNNAMED",
          "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
          "--add-opens=java.base/sun.nio.cs=ALL-UNNAMED",
          "--add-opens=java.base/sun.security.action=ALL-UNNAMED",
          "--add-opens=java.base/sun.util.calendar=ALL-UNNAMED",
          "-Djdk.reflect.useDirectMethodHandle=false",
          "-Dio.netty.tryReflectionSetAccessible=true");

  private static SparkCluster cluster;

  private final SparkSession spark;
  private final HiveThriftServer2 server;
  private final String url;
  private final OneConnection pooled;

  private SparkCluster(SparkSession spark, HiveThriftServer2 server, int port) {
    this.spark = spark;
    this.server = server;
    this.url = "jdbc:hive2://127.0.0.1:" + port + "/default";
    this.pooled = new OneConnection(url);
  }

  /** The cluster of this test run, started on first use. */
  public static synchronized SparkCluster get() {
    if (cluster == null) {
      cluster = start();
      Runtime.getRuntime().addShutdownHook(new Thread(cluster::stop, "spark-cluster-stop"));
    }
    return cluster;
  }

  private static SparkCluster start() {
    Path base = Path.of(System.getProperty("cleanroom.spark.dir", "target/spark")).toAbsolutePath();
    // The workers build each executor's command from a Spark home: an empty jars directory is
    // enough, as the executors get the test class path.
    Path home = base.resolve("home");
    try {
      Files.createDirectories(home.resolve("jars"));
      Files.createDirectories(home.resolve("launcher/target/scala-2.12"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    System.setProperty("derby.stream.error.file", base.resolve("derby.log").toString());
    String classPath =
        System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    SparkSession spark =
        SparkSession.builder()
            .appName("cleanroom-engine-spark")
            .master("local-cluster[2,1,1024]")
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.driver.bindAddress", "127.0.0.1")
            .config("spark.executor.memory", "1g")
            .config("spark.executor.extraClassPath", classPath)
            .config("spark.executor.extraJavaOptions", JAVA_17_OPTIONS + loggingOption())
            .config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", "4")
            .config("spark.sql.warehouse.dir", base.resolve("warehouse").toUri().toString())
            .config(
                "spark.hadoop.javax.jdo.option.ConnectionURL",
                "jdbc:derby:;databaseName=" + base.resolve("metastore") + ";create=true")
            .config("spark.sql.catalogImplementation", "hive")
            .enableHiveSupport()
            .getOrCreate();
    spark.sqlContext().setConf("hive.server2.transport.mode", "binary");
    spark.sqlContext().setConf("hive.server2.thrift.bind.host", "127.0.0.1");
    spark.sqlContext().setConf("hive.server2.thrift.port", "0");
    HiveThriftServer2 server = HiveThriftServer2.startWithContext(spark.sqlContext());
    int port = -1;
    for (Service s : server.getServices()) {
      if (s instanceof ThriftCLIService t) {
        port = t.getPortNumber();
      }
    }
    if (port <= 0) {
      server.stop();
      spark.stop();
      throw new IllegalStateException("the Thrift server reported no port");
    }
    return new SparkCluster(spark, server, port);
  }

  /** The JDBC URL of the Thrift server, for the Hive JDBC driver. */
  public String url() {
    return url;
  }

  /** A new connection through the Hive JDBC driver. */
  public Connection connect() throws SQLException {
    return DriverManager.getConnection(url, "cleanroom", "");
  }

  /**
   * A data source that hands out one Hive JDBC connection again and again (its {@code close()}
   * keeps it open), as a connection pool would: each new connection is a new session of the Thrift
   * server, which takes seconds on a busy machine. The engine uses one connection at a time.
   */
  public javax.sql.DataSource pooled() {
    return pooled;
  }

  /** The session in the test JVM (the driver), to load tables. */
  public SparkSession session() {
    return spark;
  }

  /** The number of executors registered with the driver (separate JVMs). */
  public int executors() {
    // The driver's own block manager is listed too.
    return spark.sparkContext().getExecutorMemoryStatus().size() - 1;
  }

  /** Replaces table {@code name} by {@code rows} of {@code schema}, as Parquet in the warehouse. */
  public void table(String name, StructType schema, List<Object[]> rows) {
    List<Row> r = rows.stream().map(RowFactory::create).toList();
    Dataset<Row> df = spark.createDataFrame(r, schema).repartition(4);
    spark.sql("DROP TABLE IF EXISTS `" + name + "`");
    df.write().format("parquet").saveAsTable(name);
  }

  /**
   * The SLF4J provider of this JVM ({@code slf4j.provider}, set by the module's Surefire options)
   * for the executors too, whose class path is the test class path: there the core tests' capturing
   * provider would otherwise win and keep every log line in memory.
   */
  private static String loggingOption() {
    String provider = System.getProperty("slf4j.provider");
    return provider == null ? "" : " -Dslf4j.provider=" + provider;
  }

  private void stop() {
    try {
      server.stop();
    } finally {
      spark.stop();
    }
  }
}
