package io.tributary.log.internal.cluster;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ClusterMembersTest
{
    @Test
    void parsesTheDocumentedFormAndDerivesAeronEndpoints()
    {
        final ClusterMembers members = ClusterMembers.parse("0=127.0.0.1:9100,1=127.0.0.1:9200,2=127.0.0.1:9300");
        assertEquals(3, members.size());
        assertEquals(9200, members.member(1).basePort());
        assertEquals("0=127.0.0.1:9100,1=127.0.0.1:9200,2=127.0.0.1:9300", members.ingressEndpoints());
        assertEquals("0,127.0.0.1:9100,127.0.0.1:9101,127.0.0.1:9102,127.0.0.1:9103,127.0.0.1:9104|" +
            "1,127.0.0.1:9200,127.0.0.1:9201,127.0.0.1:9202,127.0.0.1:9203,127.0.0.1:9204|" +
            "2,127.0.0.1:9300,127.0.0.1:9301,127.0.0.1:9302,127.0.0.1:9303,127.0.0.1:9304",
            members.consensusMembers());
        assertEquals("127.0.0.1:9305", members.member(2).endpoint(ClusterMembers.FETCH_PORT_OFFSET));
        assertEquals(ClusterMembers.DEFAULT, ClusterMembers.parse(ClusterMembers.DEFAULT).toString());
    }

    @Test
    void rejectsBadListsWithAMessageNamingTheEntry()
    {
        assertMessage("", "empty");
        assertMessage("0=127.0.0.1", "expected id=host:basePort");
        assertMessage("x=127.0.0.1:9100", "member id is not a number");
        assertMessage("0=127.0.0.1:port", "base port is not a number");
        assertMessage("0=127.0.0.1:9100,0=127.0.0.1:9200", "appears twice");
        assertMessage("0=127.0.0.1:9100,1=127.0.0.1:9110", "at least 20 apart");
        assertMessage("0=127.0.0.1:65530", "room for 20 ports");
        assertThrows(IllegalArgumentException.class, () -> ClusterMembers.parse(ClusterMembers.DEFAULT).member(3));
    }

    private static void assertMessage(final String spec, final String expected)
    {
        final IllegalArgumentException ex = assertThrows(
            IllegalArgumentException.class, () -> ClusterMembers.parse(spec));
        assertTrue(ex.getMessage().contains(expected), ex.getMessage());
    }
}
