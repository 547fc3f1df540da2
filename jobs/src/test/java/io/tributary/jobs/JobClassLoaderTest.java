package io.tributary.jobs;

import com.example.Greeting;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

class JobClassLoaderTest
{
    @Test
    void aJobsOwnClassesComeFromItsJarAndThePlatformsFromTheWorker(@TempDir final Path dir) throws Exception
    {
        final Path jar = dir.resolve("job.jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar)))
        {
            add(out, Greeting.class);
            add(out, NoopPipeline.class);
        }
        final URL url = jar.toUri().toURL();
        try (JobClassLoader first = new JobClassLoader("v1", url, getClass().getClassLoader());
             JobClassLoader second = new JobClassLoader("v2", url, getClass().getClassLoader()))
        {
            final Class<?> own = first.loadClass(Greeting.class.getName());
            assertNotSame(Greeting.class, own, "the worker's copy was used instead of the job's");
            assertSame(first, own.getClassLoader());
            assertNotSame(own, second.loadClass(Greeting.class.getName()), "two job versions share a class");
            assertEquals("hello", own.getMethod("text").invoke(null));
            assertSame(NoopPipeline.class, first.loadClass(NoopPipeline.class.getName()),
                "io.tributary classes must come from the worker");
            assertSame(String.class, first.loadClass("java.lang.String"));
            assertEquals(url.toString().replace("file:", "jar:file:") + "!/com/example/Greeting.class",
                first.getResource("com/example/Greeting.class").toString());
        }
    }

    private static void add(final JarOutputStream out, final Class<?> type) throws IOException
    {
        final String entry = type.getName().replace('.', '/') + ".class";
        try (InputStream in = type.getClassLoader().getResourceAsStream(entry))
        {
            out.putNextEntry(new JarEntry(entry));
            in.transferTo(out);
            out.closeEntry();
        }
    }
}
