package io.tributary.log.internal.security;

import java.util.Arrays;

/**
 * What a server keeps of a SCRAM-SHA-256 user (RFC 5802): enough to check a client's proof and prove itself, never
 * enough to log in as the user. Immutable; the arrays are not handed out.
 *
 * @param salt       random salt, 16 bytes or more.
 * @param iterations PBKDF2 iterations, at least {@link Scram#MIN_ITERATIONS}.
 * @param storedKey  H(ClientKey).
 * @param serverKey  HMAC(SaltedPassword, "Server Key").
 */
public record ScramCredential(byte[] salt, int iterations, byte[] storedKey, byte[] serverKey)
{
    public ScramCredential
    {
        if (iterations < Scram.MIN_ITERATIONS || iterations > Scram.MAX_ITERATIONS)
        {
            throw new IllegalArgumentException("SCRAM iterations must be between " + Scram.MIN_ITERATIONS + " and " +
                Scram.MAX_ITERATIONS + ": " + iterations);
        }
        if (salt.length < 8 || salt.length > 64 || storedKey.length != Scram.KEY_LENGTH ||
            serverKey.length != Scram.KEY_LENGTH)
        {
            throw new IllegalArgumentException("malformed SCRAM credential");
        }
        salt = salt.clone();
        storedKey = storedKey.clone();
        serverKey = serverKey.clone();
    }

    public byte[] salt()
    {
        return salt.clone();
    }

    public byte[] storedKey()
    {
        return storedKey.clone();
    }

    public byte[] serverKey()
    {
        return serverKey.clone();
    }

    public boolean equals(final Object o)
    {
        return o instanceof ScramCredential c && iterations == c.iterations && Arrays.equals(salt, c.salt) &&
            Arrays.equals(storedKey, c.storedKey) && Arrays.equals(serverKey, c.serverKey);
    }

    public int hashCode()
    {
        return Arrays.hashCode(storedKey);
    }

    public String toString()
    {
        return "ScramCredential(iterations=" + iterations + ")";
    }
}
