package org.elasticsearch.plugins;

import org.elasticsearch.Version;
import org.elasticsearch.action.admin.cluster.node.info.PluginsAndModules;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.env.Environment;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * The plugins of a K2 test node: plugin classes already on the JVM classpath (the Elasticsearch
 * distribution would load them from modules/ directories, which a Maven-built node does not have).
 * It lives in this package because LoadedPlugin and loadPlugin are package-private.
 */
public final class K2ClasspathPluginsService extends PluginsService {
    private final List<LoadedPlugin> classpathPlugins;

    public K2ClasspathPluginsService(Environment env, Collection<Class<? extends Plugin>> pluginClasses) {
        // path.home has no modules/ or plugins/ directory, so the base class loads nothing itself.
        super(env.settings(), env.configFile(), env.modulesFile(), env.pluginsFile());
        List<LoadedPlugin> loaded = new ArrayList<>();
        for (Class<? extends Plugin> pluginClass : pluginClasses) {
            Plugin plugin = loadPlugin(pluginClass, env.settings(), env.configFile());
            PluginDescriptor descriptor = new PluginDescriptor(
                pluginClass.getName(), "classpath plugin", Version.CURRENT.toString(), Version.CURRENT,
                Integer.toString(Runtime.version().feature()), pluginClass.getName(), null, List.of(),
                false, false, false, false);
            loaded.add(new LoadedPlugin(descriptor, plugin, pluginClass.getClassLoader(), ModuleLayer.boot()));
        }
        loadExtensions(loaded);
        this.classpathPlugins = List.copyOf(loaded);
    }

    @Override
    protected List<LoadedPlugin> plugins() {
        return classpathPlugins;
    }

    @Override
    public PluginsAndModules info() {
        return new PluginsAndModules(classpathPlugins.stream().map(p -> new PluginRuntimeInfo(p.descriptor())).toList(), List.of());
    }
}
