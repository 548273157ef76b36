package k2;

import org.elasticsearch.common.logging.LogConfigurator;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.env.Environment;
import org.elasticsearch.node.InternalSettingsPreparer;
import org.elasticsearch.node.Node;
import org.elasticsearch.plugins.K2ClasspathPluginsService;
import org.elasticsearch.plugins.Plugin;
import org.elasticsearch.transport.netty4.Netty4Plugin;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Starts a genuine single Elasticsearch node in this JVM for K2's tests.
 * Arguments are node settings, as -Ekey=value (like the elasticsearch command).
 * SIGTERM closes the node (flushing shards) and then the JVM exits.
 */
public final class EsLauncher {
    /** The modules a K2 node loads; transport-netty4 provides the HTTP and transport layers. */
    private static final Collection<Class<? extends Plugin>> PLUGINS = List.of(Netty4Plugin.class);

    /** Node's constructor that takes the plugins service is protected. */
    private static final class K2Node extends Node {
        K2Node(Environment env) {
            super(env, settings -> new K2ClasspathPluginsService(env, PLUGINS), true);
        }
    }

    public static void main(String[] args) throws Exception {
        Settings.Builder builder = Settings.builder();
        for (String arg : args) {
            int eq = arg.indexOf('=');
            if (!arg.startsWith("-E") || eq < 0) {
                throw new IllegalArgumentException("expected -Ekey=value, got: " + arg);
            }
            builder.put(arg.substring(2, eq), arg.substring(eq + 1));
        }
        Settings settings = builder.build();

        Environment env = InternalSettingsPreparer.prepareEnvironment(settings, Map.of(), null, () -> "k2-es");
        LogConfigurator.setNodeName(Node.NODE_NAME_SETTING.get(env.settings()));
        LogConfigurator.configure(env, true); // reads path.home/config/log4j2.properties

        Node node = new K2Node(env);
        CountDownLatch closed = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                node.close();
                node.awaitClose(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                e.printStackTrace();
            } finally {
                closed.countDown();
            }
        }, "k2-es-shutdown"));
        node.start();
        closed.await(); // keep main alive until the shutdown hook has closed the node
    }
}
