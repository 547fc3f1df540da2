package io.tributary.log.internal.security;

import io.tributary.log.internal.codecs.AclOperation;
import io.tributary.log.internal.codecs.AclPatternType;
import io.tributary.log.internal.codecs.AclResourceType;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ScramTest
{
    private final ScramCredential alice = Scram.credential("correct horse".toCharArray(), Scram.DEFAULT_ITERATIONS);

    private String exchange(final String user, final String password)
    {
        final Scram.Client client = new Scram.Client(user, password.toCharArray());
        final Scram.Server server = new Scram.Server(Map.of("alice", alice)::get);
        final byte[] serverFirst = server.onClientFirst(client.clientFirst());
        final String principal = server.onClientFinal(client.onServerFirst(serverFirst));
        if (principal != null)
        {
            assertTrue(client.verifyServerFinal(server.serverFinal()), "client must accept the server's signature");
        }
        return principal;
    }

    @Test
    void rightPasswordAuthenticatesAndServerProvesItself()
    {
        assertEquals("alice", exchange("alice", "correct horse"));
    }

    @Test
    void wrongPasswordAndUnknownUserFailAlike()
    {
        assertNull(exchange("alice", "wrong"));
        assertNull(exchange("bob", "correct horse"));
    }

    @Test
    void unknownUserGetsAStableMadeUpSalt()
    {
        final Scram.Server server = new Scram.Server(name -> null);
        final String first = new String(server.onClientFirst("n,,n=bob,r=abc".getBytes(StandardCharsets.UTF_8)),
            StandardCharsets.UTF_8);
        final String second = new String(new Scram.Server(name -> null)
            .onClientFirst("n,,n=bob,r=abc".getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8);
        assertEquals(first.substring(first.indexOf(",s=")), second.substring(second.indexOf(",s=")));
    }

    @Test
    void proofForAnotherExchangeIsRefused()
    {
        final Scram.Client client = new Scram.Client("alice", "correct horse".toCharArray());
        final Scram.Server first = new Scram.Server(Map.of("alice", alice)::get);
        final byte[] clientFinal = client.onServerFirst(first.onClientFirst(client.clientFirst()));
        final Scram.Server replayedTo = new Scram.Server(Map.of("alice", alice)::get);
        replayedTo.onClientFirst(client.clientFirst());
        assertNull(replayedTo.onClientFinal(clientFinal), "a captured proof must not log in again");
    }

    @Test
    void clientRefusesAServerThatDoesNotHoldTheCredential()
    {
        final Scram.Client client = new Scram.Client("alice", "correct horse".toCharArray());
        final ScramCredential other = Scram.credential("other".toCharArray(), alice.salt(), alice.iterations());
        final Scram.Server server = new Scram.Server(Map.of("alice", other)::get);
        assertNull(server.onClientFinal(client.onServerFirst(server.onClientFirst(client.clientFirst()))));
        assertFalse(client.verifyServerFinal("v=AAAA".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void credentialKeepsNoPasswordAndSaltsDiffer()
    {
        final ScramCredential again = Scram.credential("correct horse".toCharArray(), Scram.DEFAULT_ITERATIONS);
        assertNotEquals(alice, again);
        assertTrue(alice.iterations() >= 4096);
        assertFalse(alice.toString().contains("horse"));
        assertThrows(IllegalArgumentException.class,
            () -> new ScramCredential(alice.salt(), 1000, alice.storedKey(), alice.serverKey()));
    }

    @Test
    void malformedClientMessagesAreRefused()
    {
        final Scram.Server server = new Scram.Server(Map.of("alice", alice)::get);
        assertThrows(IllegalArgumentException.class, () -> server.onClientFirst("garbage".getBytes()));
        assertNull(new Scram.Server(name -> alice).onClientFinal("c=biws,r=x,p=AAAA".getBytes()));
    }

    @Test
    void aclsAllowByLiteralPrefixAndWildcardOnly()
    {
        final SecurityView view = new SecurityView(new SecurityConfig(true, Set.of("admin"), Map.of()));
        final SecurityState state = new SecurityState(view);
        state.addAcl(new AclEntry("alice", AclResourceType.TOPIC, AclPatternType.PREFIXED, "team-a.",
            AclOperation.WRITE));
        state.addAcl(new AclEntry("*", AclResourceType.TOPIC, AclPatternType.LITERAL, "public", AclOperation.READ));
        state.addAcl(new AclEntry("bob", AclResourceType.GROUP, AclPatternType.LITERAL, "*", AclOperation.ALL));

        assertTrue(state.authorize("alice", AclOperation.WRITE, AclResourceType.TOPIC, "team-a.events"));
        assertFalse(state.authorize("alice", AclOperation.WRITE, AclResourceType.TOPIC, "team-b.events"));
        assertFalse(state.authorize("alice", AclOperation.READ, AclResourceType.TOPIC, "team-a.events"));
        assertTrue(state.authorize("carol", AclOperation.READ, AclResourceType.TOPIC, "public"));
        assertTrue(state.authorize("bob", AclOperation.READ, AclResourceType.GROUP, "any-group"));
        assertFalse(state.authorize("bob", AclOperation.READ, AclResourceType.TOPIC, "any-group"));
        assertTrue(state.authorize("admin", AclOperation.DELETE, AclResourceType.TOPIC, "anything"));
        assertEquals(3, view.authorizationFailures());

        // The produce path's cache forgets a rule once it is removed.
        state.removeAcl(new AclEntry("alice", AclResourceType.TOPIC, AclPatternType.PREFIXED, "team-a.",
            AclOperation.WRITE));
        assertFalse(state.authorize("alice", AclOperation.WRITE, AclResourceType.TOPIC, "team-a.events"));
    }

    @Test
    void securityOffAllowsEverything()
    {
        final SecurityState state = new SecurityState(new SecurityView(SecurityConfig.DISABLED));
        assertTrue(state.authorize("ANONYMOUS", AclOperation.WRITE, AclResourceType.TOPIC, "t"));
    }
}
