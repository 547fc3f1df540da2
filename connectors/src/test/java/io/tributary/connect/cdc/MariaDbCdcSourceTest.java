package io.tributary.connect.cdc;

import io.tributary.connect.ConnectorTypes;
import io.tributary.connect.config.ConnectorConfig;
import io.tributary.connect.config.ConnectorFileParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * mariadb_cdc's checks that need no server: reading SHOW GRANTS, the replica server id, and settings refused by name.
 */
@Timeout(30)
class MariaDbCdcSourceTest
{
    private static final ConnectorFileParser PARSER = new ConnectorFileParser(ConnectorTypes.load(), Map.of());

    @Test
    void aPrivilegeIsGrantedOnlyByItsOwnName()
    {
        final String grants = "GRANT SELECT, RELOAD, REPLICATION SLAVE ADMIN, BINLOG MONITOR ON *.* TO `cdc`@`%`\n";
        assertFalse(MariaDbCdcSource.granted(grants, "REPLICATION SLAVE"), "REPLICATION SLAVE ADMIN is another");
        assertTrue(MariaDbCdcSource.granted(grants, "BINLOG MONITOR"));
        assertTrue(MariaDbCdcSource.granted(grants, "SELECT"));
        assertTrue(MariaDbCdcSource.granted("GRANT REPLICATION SLAVE ON *.* TO `cdc`@`%`\n", "REPLICATION SLAVE"));
        assertTrue(MariaDbCdcSource.granted("GRANT ALL PRIVILEGES ON *.* TO `root`@`%`\n", "ALL PRIVILEGES"));
    }

    @Test
    void theServerIdIsTheSettingOrDerivedFromTheName()
    {
        final ConnectorConfig set = parse("{ host: h, user: u, server_id: 184054 }");
        assertEquals(184054L, MariaDbCdcSource.serverId(set.settings(), "a"));
        final ConnectorConfig derived = parse("{ host: h, user: u }");
        final long id = MariaDbCdcSource.serverId(derived.settings(), "shop-cdc");
        assertEquals(id, MariaDbCdcSource.serverId(derived.settings(), "shop-cdc"), "stable across restarts");
        assertTrue(id >= 100_000 && id <= 0xFFFF_FFFFL, Long.toString(id));
    }

    @Test
    void outOfRangeSettingsAreRefusedByName()
    {
        assertTrue(assertThrows(Exception.class, () -> parse("{ host: h, user: u, server_id: 0 }")).getMessage()
            .contains("server_id must be 1 to 4294967295"));
        assertTrue(assertThrows(Exception.class, () -> parse("{ host: h, user: u, port: 70000 }")).getMessage()
            .contains("port must be 1 to 65535"));
        assertTrue(assertThrows(Exception.class, () -> parse("{ host: h, user: u, snapshot_mode: sometimes }"))
            .getMessage().contains("source.mariadb_cdc.snapshot_mode"));
    }

    private static ConnectorConfig parse(final String block)
    {
        return PARSER.parse("cdc.yaml", "name: shop-cdc\nsource:\n  mariadb_cdc: " + block + "\n").get(0);
    }
}
