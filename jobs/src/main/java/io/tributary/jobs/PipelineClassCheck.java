package io.tributary.jobs;

import io.tributary.pipeline.PipelineDefinition;

import java.io.IOException;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.jar.JarFile;

/**
 * Checks at deploy that a pipeline job's class exists and implements {@link PipelineDefinition}, loading it without
 * initialising it (no static initialiser, constructor or {@code topology()} of the job runs: what fails there is
 * the workers' to report). Stateless and thread-safe.
 */
final class PipelineClassCheck
{
    private PipelineClassCheck()
    {
    }

    /**
     * @param jar the job's jar, or null for the class path.
     * @return what is wrong, or null.
     */
    static String problem(final String className, final Path jar)
    {
        final ClassLoader parent = PipelineClassCheck.class.getClassLoader();
        if (jar != null)
        {
            try (JarFile file = new JarFile(jar.toFile()))
            {
                if (file.getEntry(className.replace('.', '/') + ".class") == null && !onClassPath(className, parent))
                {
                    return className + " is not in " + jar;
                }
            }
            catch (final IOException ex)
            {
                return "cannot read " + jar + " as a jar: " + ex.getMessage();
            }
        }
        try (URLClassLoader loader = jar == null ? null :
            new JobClassLoader("check", jar.toUri().toURL(), parent))
        {
            final Class<?> type = Class.forName(className, false, loader == null ? parent : loader);
            if (!PipelineDefinition.class.isAssignableFrom(type))
            {
                return className + " does not implement " + PipelineDefinition.class.getName();
            }
            return null;
        }
        catch (final ClassNotFoundException ex)
        {
            return className + " is not on the workers' class path; give pipeline.jar or job deploy --jar";
        }
        catch (final IOException | LinkageError ex)
        {
            return "cannot load " + className + ": " + ex;
        }
    }

    private static boolean onClassPath(final String className, final ClassLoader loader)
    {
        return loader.getResource(className.replace('.', '/') + ".class") != null;
    }
}
