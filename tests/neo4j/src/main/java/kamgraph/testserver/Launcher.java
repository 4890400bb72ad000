package kamgraph.testserver;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.BoltConnector.EncryptionLevel;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.configuration.ssl.ClientAuth;
import org.neo4j.configuration.ssl.SslPolicyConfig;
import org.neo4j.configuration.ssl.SslPolicyScope;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.graphdb.GraphDatabaseService;

/**
 * Neo4j Community Edition for kamgraph's tests: an embedded DatabaseManagementService
 * with its Bolt connector on loopback and authentication on.
 *
 * <pre>java kamgraph.testserver.Launcher HOME BOLT_PORT PAGE_CACHE_MB</pre>
 *
 * The password of the user neo4j comes from KAMGRAPH_NEO4J_PASSWORD (never the command
 * line, which other processes can read). With KAMGRAPH_NEO4J_TLS_DIR set to a folder that
 * holds private.key and public.crt, Bolt also accepts TLS (optional, so both bolt:// and
 * bolt+s:// work). Prints "READY port version edition" once Bolt accepts connections, and
 * shuts down cleanly on SIGTERM or when its standard input closes (the test run that
 * started it is gone).
 */
public final class Launcher {
    private Launcher() {
    }

    public static void main(String[] args) {
        try {
            run(args);
        } catch (Throwable e) {
            // Neo4j's own threads would keep a failed start alive: say why, and exit.
            e.printStackTrace();
            System.out.println("FAILED " + e);
            System.out.flush();
            Runtime.getRuntime().halt(1);
        }
    }

    private static void run(String[] args) throws Exception {
        if (args.length != 3) {
            System.err.println("usage: Launcher HOME BOLT_PORT PAGE_CACHE_MB");
            System.exit(2);
        }
        Path home = Path.of(args[0]).toAbsolutePath();
        int port = Integer.parseInt(args[1]);
        long pageCache = Long.parseLong(args[2]) * 1024 * 1024;
        String password = System.getenv("KAMGRAPH_NEO4J_PASSWORD");
        if (password == null || password.length() < 8) {
            System.err.println("KAMGRAPH_NEO4J_PASSWORD must hold a password of 8 or more characters");
            System.exit(2);
        }
        Files.createDirectories(home);
        SocketAddress bolt = new SocketAddress("127.0.0.1", port);
        DatabaseManagementServiceBuilder builder = new DatabaseManagementServiceBuilder(home)
                .setConfig(BoltConnector.enabled, true)
                .setConfig(BoltConnector.listen_address, bolt)
                // A routing table names this address: neo4j:// URIs come back here.
                .setConfig(BoltConnector.advertised_address, bolt)
                .setConfig(GraphDatabaseSettings.auth_enabled, true)
                .setConfig(GraphDatabaseSettings.pagecache_memory, pageCache)
                .setConfig(GraphDatabaseSettings.keep_logical_logs, "keep_none")
                // Loopback only: nothing leaves this machine.
                .setConfig(GraphDatabaseSettings.udc_enabled, false);
        String tls = System.getenv("KAMGRAPH_NEO4J_TLS_DIR");
        if (tls != null && !tls.isEmpty()) {
            SslPolicyConfig policy = SslPolicyConfig.forScope(SslPolicyScope.BOLT);
            builder.setConfig(policy.enabled, true)
                    .setConfig(policy.base_directory, Path.of(tls).toAbsolutePath())
                    .setConfig(policy.private_key, Path.of("private.key"))
                    .setConfig(policy.public_certificate, Path.of("public.crt"))
                    .setConfig(policy.client_auth, ClientAuth.NONE)
                    .setConfig(BoltConnector.encryption_level, EncryptionLevel.OPTIONAL);
        }
        DatabaseManagementService service = builder.build();
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            service.shutdown();
            stop.countDown();
        }, "kamgraph-shutdown"));

        GraphDatabaseService system = service.database(GraphDatabaseSettings.SYSTEM_DATABASE_NAME);
        // The first start sets the password; a restart on the same data keeps it.
        boolean initial = system.executeTransactionally(
                "SHOW USERS YIELD user, passwordChangeRequired WHERE user = 'neo4j' "
                        + "RETURN passwordChangeRequired",
                Map.of(), result -> (Boolean) result.next().get("passwordChangeRequired"));
        if (initial) {
            system.executeTransactionally(
                    "ALTER USER neo4j SET PASSWORD $password CHANGE NOT REQUIRED",
                    Map.of("password", password));
        }
        GraphDatabaseService db = service.database(GraphDatabaseSettings.DEFAULT_DATABASE_NAME);
        String version = db.executeTransactionally(
                "CALL dbms.components() YIELD versions, edition RETURN versions[0] + ' ' + edition AS v",
                Map.of(), result -> (String) result.next().get("v"));
        System.out.println("READY " + port + " " + version);
        System.out.flush();

        Thread watcher = new Thread(() -> {
            try (InputStream in = System.in) {
                while (in.read() >= 0) {
                    // Nothing is read from the parent; EOF means it has gone.
                }
            } catch (IOException ignored) {
                // The same: the parent has gone.
            }
            System.exit(0);  // runs the shutdown hook
        }, "kamgraph-stdin");
        watcher.setDaemon(true);
        watcher.start();
        stop.await();
    }
}
