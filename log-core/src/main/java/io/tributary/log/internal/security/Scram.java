package io.tributary.log.internal.security;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * SCRAM-SHA-256 as RFC 5802 and RFC 7677 shape it: the server keeps a salted, iterated credential
 * ({@link ScramCredential}); the client proves it knows the password without sending it, and the server proves it
 * holds the credential. Messages are the RFC's attribute strings in UTF-8 ({@code n,,n=user,r=nonce}, then
 * {@code r=nonce,s=salt,i=4096}, then {@code c=biws,r=nonce,p=proof}, then {@code v=signature}); channel binding is
 * not used, and user names are restricted to {@link #USER_NAME} so they need no escaping or SASLprep.
 * <p>
 * Threading: the static methods are thread-safe; {@link Client} and {@link Server} exchanges are not.
 */
public final class Scram
{
    public static final int MIN_ITERATIONS = 4096;
    public static final int MAX_ITERATIONS = 1_000_000;
    public static final int DEFAULT_ITERATIONS = 4096;
    static final int KEY_LENGTH = 32;
    private static final int NONCE_BYTES = 24;
    private static final int SALT_BYTES = 16;
    /** User (and token) names: what needs no escaping in SCRAM, a CLI argument or a log line. */
    public static final Pattern USER_NAME = Pattern.compile("[A-Za-z0-9._@-]{1,128}");
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Base64.Encoder B64 = Base64.getEncoder();
    private static final Base64.Decoder B64D = Base64.getDecoder();

    private Scram()
    {
    }

    /**
     * @param password   the password; not kept.
     * @param iterations PBKDF2 iterations.
     * @return a credential with a fresh random salt.
     */
    public static ScramCredential credential(final char[] password, final int iterations)
    {
        final byte[] salt = new byte[SALT_BYTES];
        RANDOM.nextBytes(salt);
        return credential(password, salt, iterations);
    }

    public static ScramCredential credential(final char[] password, final byte[] salt, final int iterations)
    {
        final byte[] salted = saltedPassword(password, salt, iterations);
        try
        {
            final byte[] clientKey = hmac(salted, "Client Key".getBytes(StandardCharsets.US_ASCII));
            return new ScramCredential(salt, iterations, sha256(clientKey),
                hmac(salted, "Server Key".getBytes(StandardCharsets.US_ASCII)));
        }
        finally
        {
            Arrays.fill(salted, (byte)0);
        }
    }

    public static boolean isValidUserName(final String name)
    {
        return name != null && USER_NAME.matcher(name).matches();
    }

    /**
     * @return a random secret for a service token: 32 bytes, URL-safe Base64.
     */
    public static String newTokenSecret()
    {
        final byte[] secret = new byte[32];
        RANDOM.nextBytes(secret);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
    }

    static byte[] saltedPassword(final char[] password, final byte[] salt, final int iterations)
    {
        final ByteBuffer encoded = StandardCharsets.UTF_8.encode(CharBuffer.wrap(password));
        final byte[] key = new byte[encoded.remaining()];
        encoded.get(key);
        Arrays.fill(encoded.array(), (byte)0);
        try
        {
            final Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key.length == 0 ? new byte[1] : key, "HmacSHA256"));
            mac.update(salt);
            mac.update(new byte[] {0, 0, 0, 1});
            byte[] u = mac.doFinal();
            final byte[] result = u.clone();
            for (int i = 1; i < iterations; i++)
            {
                u = mac.doFinal(u);
                for (int j = 0; j < result.length; j++)
                {
                    result[j] ^= u[j];
                }
            }
            return result;
        }
        catch (final GeneralSecurityException ex)
        {
            throw new IllegalStateException("HmacSHA256 unavailable", ex);
        }
        finally
        {
            Arrays.fill(key, (byte)0);
        }
    }

    static byte[] hmac(final byte[] key, final byte[] data)
    {
        try
        {
            final Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data);
        }
        catch (final GeneralSecurityException ex)
        {
            throw new IllegalStateException("HmacSHA256 unavailable", ex);
        }
    }

    static byte[] sha256(final byte[] data)
    {
        try
        {
            return MessageDigest.getInstance("SHA-256").digest(data);
        }
        catch (final GeneralSecurityException ex)
        {
            throw new IllegalStateException("SHA-256 unavailable", ex);
        }
    }

    private static String nonce()
    {
        final byte[] bytes = new byte[NONCE_BYTES];
        RANDOM.nextBytes(bytes);
        return B64.encodeToString(bytes);
    }

    private static Map<Character, String> attributes(final String message)
    {
        final Map<Character, String> result = new HashMap<>();
        for (final String part : message.split(","))
        {
            if (part.length() >= 2 && part.charAt(1) == '=')
            {
                result.putIfAbsent(part.charAt(0), part.substring(2));
            }
        }
        return result;
    }

    private static String required(final Map<Character, String> attributes, final char name)
    {
        final String value = attributes.get(name);
        if (value == null)
        {
            throw new IllegalArgumentException("SCRAM message lacks '" + name + "='");
        }
        return value;
    }

    private static byte[] utf8(final String s)
    {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * The client's side of one exchange.
     */
    public static final class Client
    {
        private final String user;
        private final char[] password;
        private final String clientNonce = nonce();
        private String clientFirstBare;
        private byte[] expectedServerSignature;

        /**
         * @param user     user name.
         * @param password password; the caller keeps it and may clear it after the exchange.
         */
        public Client(final String user, final char[] password)
        {
            if (!isValidUserName(user))
            {
                throw new IllegalArgumentException(
                    "invalid user name '" + user + "': use 1 to 128 of A-Z a-z 0-9 . _ @ -");
            }
            this.user = user;
            this.password = password;
        }

        public byte[] clientFirst()
        {
            clientFirstBare = "n=" + user + ",r=" + clientNonce;
            return utf8("n,," + clientFirstBare);
        }

        /**
         * @return the client-final message with the proof.
         * @throws IllegalArgumentException when the server's message is malformed or its nonce is not ours.
         */
        public byte[] onServerFirst(final byte[] serverFirstBytes)
        {
            final String serverFirst = new String(serverFirstBytes, StandardCharsets.UTF_8);
            final Map<Character, String> a = attributes(serverFirst);
            final String nonce = required(a, 'r');
            if (!nonce.startsWith(clientNonce) || nonce.length() == clientNonce.length())
            {
                throw new IllegalArgumentException("server nonce does not extend the client's");
            }
            final byte[] salt = B64D.decode(required(a, 's'));
            final int iterations = Integer.parseInt(required(a, 'i'));
            if (iterations < MIN_ITERATIONS || iterations > MAX_ITERATIONS)
            {
                throw new IllegalArgumentException("server asked for " + iterations + " iterations");
            }
            final String withoutProof = "c=biws,r=" + nonce;
            final byte[] authMessage = utf8(clientFirstBare + "," + serverFirst + "," + withoutProof);
            final byte[] salted = saltedPassword(password, salt, iterations);
            final byte[] clientKey = hmac(salted, utf8("Client Key"));
            final byte[] signature = hmac(sha256(clientKey), authMessage);
            final byte[] proof = new byte[clientKey.length];
            for (int i = 0; i < proof.length; i++)
            {
                proof[i] = (byte)(clientKey[i] ^ signature[i]);
            }
            expectedServerSignature = hmac(hmac(salted, utf8("Server Key")), authMessage);
            Arrays.fill(salted, (byte)0);
            Arrays.fill(clientKey, (byte)0);
            return utf8(withoutProof + ",p=" + B64.encodeToString(proof));
        }

        /**
         * @return true when the server proved it holds this user's credential.
         */
        public boolean verifyServerFinal(final byte[] serverFinal)
        {
            if (expectedServerSignature == null)
            {
                return false;
            }
            final String v = attributes(new String(serverFinal, StandardCharsets.UTF_8)).get('v');
            return v != null && MessageDigest.isEqual(expectedServerSignature, B64D.decode(v));
        }
    }

    /**
     * The server's side of one exchange. A user that does not exist gets a made-up but stable salt, so the exchange
     * looks the same to the client until the proof fails: the server never says which user names exist.
     */
    public static final class Server
    {
        private static final byte[] FAKE_SALT_KEY = new byte[32];

        static
        {
            RANDOM.nextBytes(FAKE_SALT_KEY);
        }

        private final Function<String, ScramCredential> users;
        private String user;
        private ScramCredential credential;
        private String clientFirstBare;
        private String serverFirst;
        private String nonce;
        private byte[] serverFinal;

        /**
         * @param users looks up a user's credential; null for none.
         */
        public Server(final Function<String, ScramCredential> users)
        {
            this.users = users;
        }

        /**
         * @return the server-first message.
         * @throws IllegalArgumentException when the message is malformed.
         */
        public byte[] onClientFirst(final byte[] clientFirstBytes)
        {
            final String clientFirst = new String(clientFirstBytes, StandardCharsets.UTF_8);
            if (!clientFirst.startsWith("n,,"))
            {
                throw new IllegalArgumentException("SCRAM client-first must start with n,, (no channel binding)");
            }
            clientFirstBare = clientFirst.substring(3);
            final Map<Character, String> a = attributes(clientFirstBare);
            user = required(a, 'n');
            final String clientNonce = required(a, 'r');
            if (clientNonce.isEmpty() || clientNonce.length() > 256)
            {
                throw new IllegalArgumentException("bad client nonce");
            }
            credential = isValidUserName(user) ? users.apply(user) : null;
            final byte[] salt = credential != null ? credential.salt() :
                Arrays.copyOf(hmac(FAKE_SALT_KEY, utf8(user)), SALT_BYTES);
            final int iterations = credential != null ? credential.iterations() : DEFAULT_ITERATIONS;
            nonce = clientNonce + nonce();
            serverFirst = "r=" + nonce + ",s=" + B64.encodeToString(salt) + ",i=" + iterations;
            return utf8(serverFirst);
        }

        /**
         * @return the authenticated user name, or null when the proof is wrong (or the user does not exist).
         */
        public String onClientFinal(final byte[] clientFinalBytes)
        {
            if (serverFirst == null)
            {
                return null;
            }
            final String clientFinal = new String(clientFinalBytes, StandardCharsets.UTF_8);
            final int proofAt = clientFinal.lastIndexOf(",p=");
            if (proofAt < 0)
            {
                return null;
            }
            final String withoutProof = clientFinal.substring(0, proofAt);
            final Map<Character, String> a = attributes(withoutProof);
            if (!"biws".equals(a.get('c')) || !nonce.equals(a.get('r')))
            {
                return null;
            }
            final byte[] proof;
            try
            {
                proof = B64D.decode(clientFinal.substring(proofAt + 3));
            }
            catch (final IllegalArgumentException ex)
            {
                return null;
            }
            if (credential == null || proof.length != KEY_LENGTH)
            {
                return null;
            }
            final byte[] authMessage = utf8(clientFirstBare + "," + serverFirst + "," + withoutProof);
            final byte[] storedKey = credential.storedKey();
            final byte[] signature = hmac(storedKey, authMessage);
            final byte[] clientKey = new byte[KEY_LENGTH];
            for (int i = 0; i < KEY_LENGTH; i++)
            {
                clientKey[i] = (byte)(proof[i] ^ signature[i]);
            }
            if (!MessageDigest.isEqual(sha256(clientKey), storedKey))
            {
                return null;
            }
            serverFinal = utf8("v=" + B64.encodeToString(hmac(credential.serverKey(), authMessage)));
            return user;
        }

        /**
         * @return the server-final message, once {@link #onClientFinal} authenticated the client.
         */
        public byte[] serverFinal()
        {
            return serverFinal;
        }

        /**
         * @return the user name the client claimed, for logs; null before the first message.
         */
        public String claimedUser()
        {
            return user;
        }
    }
}
