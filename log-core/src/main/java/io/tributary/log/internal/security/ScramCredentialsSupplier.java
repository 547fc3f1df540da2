package io.tributary.log.internal.security;

import io.aeron.security.CredentialsSupplier;
import io.tributary.log.Credentials;

/**
 * The client side of {@link ScramAuthenticator} for Aeron Cluster connects and backup queries: each call of
 * {@link #encodedCredentials()} starts a new SCRAM exchange (a fresh nonce), and {@link #onChallenge} answers the
 * server-first message of the latest one with the proof. Without credentials it sends nothing, which a cluster with
 * security off accepts.
 * <p>
 * Threading: the thread of the Aeron client that uses it.
 */
public final class ScramCredentialsSupplier implements CredentialsSupplier
{
    private static final byte[] NONE = new byte[0];
    private final Credentials credentials;
    private Scram.Client exchange;

    /**
     * @param credentials who to authenticate as; null for nobody.
     */
    public ScramCredentialsSupplier(final Credentials credentials)
    {
        this.credentials = credentials;
    }

    public byte[] encodedCredentials()
    {
        if (credentials == null)
        {
            return NONE;
        }
        exchange = new Scram.Client(credentials.username(), credentials.password());
        return exchange.clientFirst();
    }

    public byte[] onChallenge(final byte[] encodedChallenge)
    {
        if (exchange == null)
        {
            return NONE;
        }
        try
        {
            return exchange.onServerFirst(encodedChallenge);
        }
        catch (final RuntimeException ex)
        {
            return NONE;
        }
    }

    public String toString()
    {
        return "ScramCredentialsSupplier(" + (credentials == null ? "none" : credentials.username()) + ")";
    }
}
