package com.example;

/**
 * A class outside io.tributary, on the test class path and in test jars: a job's own copy must win.
 */
public final class Greeting
{
    public static String text()
    {
        return "hello";
    }
}
