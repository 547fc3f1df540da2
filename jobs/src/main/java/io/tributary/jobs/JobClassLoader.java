package io.tributary.jobs;

import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;

/**
 * Loads a job's classes from its jar first, so that jobs with different versions of a library do not meet; the
 * platform's own classes ({@code io.tributary.*}) and the JDK's always come from the parent, so that the job and the
 * worker share one {@code PipelineDefinition}, one client and one DSL runtime. One loader per job version; closing it
 * releases the jar.
 */
final class JobClassLoader extends URLClassLoader
{
    private static final String[] PARENT_FIRST = { "java.", "javax.", "jdk.", "sun.", "com.sun.", "org.w3c.",
        "org.xml.", "io.tributary." };

    static
    {
        registerAsParallelCapable();
    }

    JobClassLoader(final String name, final URL jar, final ClassLoader parent)
    {
        super(name, new URL[] {jar}, parent);
    }

    protected Class<?> loadClass(final String name, final boolean resolve) throws ClassNotFoundException
    {
        if (parentFirst(name))
        {
            return super.loadClass(name, resolve);
        }
        synchronized (getClassLoadingLock(name))
        {
            Class<?> type = findLoadedClass(name);
            if (type == null)
            {
                try
                {
                    type = findClass(name);
                }
                catch (final ClassNotFoundException ex)
                {
                    type = getParent().loadClass(name);
                }
            }
            if (resolve)
            {
                resolveClass(type);
            }
            return type;
        }
    }

    public URL getResource(final String name)
    {
        final URL own = findResource(name);
        return own != null ? own : super.getResource(name);
    }

    public Enumeration<URL> getResources(final String name) throws IOException
    {
        final List<URL> urls = new ArrayList<>(Collections.list(findResources(name)));
        urls.addAll(Collections.list(getParent().getResources(name)));
        return Collections.enumeration(urls);
    }

    private static boolean parentFirst(final String name)
    {
        for (final String prefix : PARENT_FIRST)
        {
            if (name.startsWith(prefix))
            {
                return true;
            }
        }
        return false;
    }
}
