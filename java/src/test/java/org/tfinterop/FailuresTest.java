package org.tfinterop;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertSame;
import static org.junit.Assert.assertTrue;

import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import org.junit.Test;
import org.opentest4j.AssertionFailedError;

/**
 * Failures are found at run time: opentest4j's AssertionFailedError when the class is there (JUnit 5; this test's
 * classpath has it), a plain java.lang.AssertionError when it is not (JUnit 4 alone: java-core's classes loaded
 * again by a loader that cannot see org.opentest4j).
 */
public class FailuresTest {
    @Test
    public void withOpentest4jOnTheClasspathFailuresAreAssertionFailedErrors() {
        Throwable cause = new IllegalStateException("why");
        AssertionError e = Failures.failure("m", "a", "b", cause);
        assertEquals(AssertionFailedError.class, e.getClass());
        assertEquals("a", ((AssertionFailedError) e).getExpected().getValue());
        assertEquals("b", ((AssertionFailedError) e).getActual().getValue());
        assertSame(cause, e.getCause());
        assertTrue(Failures.failure("m", null, null, null) instanceof AssertionFailedError);
    }

    @Test
    public void withoutItTheyAreAssertionErrors() throws Exception {
        URL core = Failures.class.getProtectionDomain().getCodeSource().getLocation();
        ClassLoader hidesJunit5 = new ClassLoader(FailuresTest.class.getClassLoader()) {
            @Override
            protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
                if (name.startsWith("org.opentest4j.") || name.startsWith("org.tfinterop.")) {
                    throw new ClassNotFoundException(name);
                }
                return super.loadClass(name, resolve);
            }
        };
        try (URLClassLoader loader = new URLClassLoader(new URL[] {core}, hidesJunit5)) {
            Class<?> failures = loader.loadClass(Failures.class.getName());
            assertEquals(false, failures.getMethod("opentest4jPresent").invoke(null));
            Method failure = failures.getMethod("failure", String.class, String.class, String.class, Throwable.class);
            Throwable cause = new IllegalStateException("why");
            Object e = failure.invoke(null, "m", "a", "b", cause);
            assertEquals(AssertionError.class, e.getClass());
            assertEquals("m", ((AssertionError) e).getMessage());
            assertSame(cause, ((AssertionError) e).getCause());
        }
    }
}
