package io.tributary.ops;

import io.tributary.testing.TestCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code tributary user} and {@code tributary acl} against a node with security on, and the CLI's credentials:
 * a file readable by its owner only, or the environment.
 */
@Timeout(240)
class SecurityCliIT
{
    private static Path dir;
    private static TestCluster cluster;
    private static Map<String, String> adminEnv;

    @BeforeAll
    static void start() throws IOException
    {
        dir = Files.createTempDirectory("tributary-security-cli-");
        final Path admin = ownerOnly(dir.resolve("admin.credentials"), "username=root\npassword=root-secret\n");
        cluster = TestCluster.start(1, List.of("--auth", "--super-users", "root", "--admin-credentials-file",
            admin.toString()));
        adminEnv = Map.of(CliContext.CLUSTER_ENV, cluster.members(), ClusterOption.CREDENTIALS_FILE_ENV,
            admin.toString());
    }

    @AfterAll
    static void stop() throws IOException
    {
        if (cluster != null)
        {
            cluster.close();
        }
        if (dir != null)
        {
            io.tributary.log.internal.FileTrees.deleteRecursively(dir);
        }
    }

    @Test
    void usersAndAclsFromTheCommandLine() throws IOException
    {
        assertOk(run(adminEnv, "", "topic", "create", "orders", "--partitions", "1"));
        assertOk(run(adminEnv, "", "topic", "create", "payments", "--partitions", "1"));
        final Path password = ownerOnly(dir.resolve("alice.password"), "alice-secret\n");
        assertOk(run(adminEnv, "", "user", "add", "alice", "--password-file", password.toString()));
        assertOk(run(adminEnv, "bob-secret\n", "user", "add", "bob"));
        final Result users = run(adminEnv, "", "user", "list");
        assertOk(users);
        assertTrue(users.out.contains("alice SCRAM-SHA-256 iterations=4096"), users.out);
        assertTrue(users.out.contains("bob "), users.out);
        assertFalse(users.out.contains("secret"), users.out);

        assertOk(run(adminEnv, "", "acl", "add", "--principal", "alice", "--topic", "orders", "--operation",
            "write,read"));
        assertOk(run(adminEnv, "", "acl", "add", "--principal", "alice", "--group", "billing", "--operation", "read"));
        final Result acls = run(adminEnv, "", "acl", "list", "--principal", "alice");
        assertEquals(List.of("principal=alice group=billing operation=read",
            "principal=alice topic=orders operation=read", "principal=alice topic=orders operation=write"),
            acls.out.lines().sorted().toList(), acls.out);

        final Map<String, String> alice = new HashMap<>(Map.of(CliContext.CLUSTER_ENV, cluster.members(),
            "TRIBUTARY_USERNAME", "alice", "TRIBUTARY_PASSWORD", "alice-secret"));
        assertOk(run(alice, "k:v\n", "produce", "orders", "--key-separator", ":"));
        final Result refused = run(alice, "k:v\n", "produce", "payments", "--key-separator", ":");
        assertEquals(1, refused.exitCode, refused.err);
        assertTrue(refused.err.contains("alice") && refused.err.contains("payments"), refused.err);
        final Result consumed = run(alice, "", "consume", "orders", "--from-beginning", "--max-records", "1",
            "--format", "%k=%s\\n");
        assertOk(consumed);
        assertEquals("k=v", consumed.out.trim());

        final Result notAdmin = run(alice, "", "user", "add", "mallory", "--password-file", password.toString());
        assertEquals(1, notAdmin.exitCode, notAdmin.err);
        assertTrue(notAdmin.err.contains("super users"), notAdmin.err);

        assertOk(run(adminEnv, "", "acl", "remove", "--principal", "alice", "--topic", "orders", "--operation",
            "write"));
        assertEquals(1, run(alice, "k:v\n", "produce", "orders", "--key-separator", ":").exitCode);
        assertOk(run(adminEnv, "", "user", "delete", "bob"));
        assertFalse(run(adminEnv, "", "user", "list").out.contains("bob "));
    }

    @Test
    void credentialsFileOthersCanReadIsRefusedAndWrongPasswordFails() throws IOException
    {
        final Path open = dir.resolve("open.credentials");
        Files.writeString(open, "username=root\npassword=root-secret\n");
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rw-r--r--"));
        final Result refused = run(Map.of(CliContext.CLUSTER_ENV, cluster.members()), "", "topic", "list",
            "--credentials-file", open.toString());
        assertEquals(TributaryCli.USAGE, refused.exitCode, refused.err);
        assertTrue(refused.err.contains("chmod 600"), refused.err);

        final Path wrong = ownerOnly(dir.resolve("wrong.credentials"), "username=root\npassword=nope\n");
        final Result failed = run(Map.of(CliContext.CLUSTER_ENV, cluster.members()), "", "topic", "list",
            "--credentials-file", wrong.toString());
        assertEquals(1, failed.exitCode, failed.err);
        assertTrue(failed.err.contains("wrong user name or password"), failed.err);

        final Result anonymous = run(Map.of(CliContext.CLUSTER_ENV, cluster.members()), "", "topic", "list");
        assertEquals(1, anonymous.exitCode, anonymous.err);
        assertTrue(anonymous.err.contains("requires credentials"), anonymous.err);
    }

    @Test
    void serviceTokenAuthenticatesAsItsName() throws IOException
    {
        final Path token = dir.resolve("worker-1.credentials");
        assertOk(run(adminEnv, "", "user", "token", "worker-1", "--output", token.toString()));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(token)));
        assertOk(run(adminEnv, "", "acl", "add", "--principal", "worker-1", "--topic-prefix", "jobs.",
            "--operation", "all"));
        final Map<String, String> worker = Map.of(CliContext.CLUSTER_ENV, cluster.members(),
            ClusterOption.CREDENTIALS_FILE_ENV, token.toString());
        assertOk(run(worker, "", "topic", "create", "jobs.state", "--partitions", "1"));
        assertEquals(1, run(worker, "", "topic", "create", "other", "--partitions", "1").exitCode);
    }

    @Test
    void jobRulesDecideWhoDeploysAndWhoStops() throws IOException
    {
        final Path jobs = Files.createDirectory(dir.resolve("jobs"));
        Files.writeString(jobs.resolve("gen.connector.yaml"),
            "name: gen\nsource:\n  generator: { rate: 10, sensors: 2 }\nto: { topic: team-readings }\n");
        final Path teamA = jobs.resolve("team-a-gen.yaml");
        Files.writeString(teamA, "name: team-a-gen\nkind: connector\nconnector: { file: gen.connector.yaml }\n");
        final Path teamB = jobs.resolve("team-b-gen.yaml");
        Files.writeString(teamB, "name: team-b-gen\nkind: connector\nconnector: { file: gen.connector.yaml }\n");
        assertOk(run(adminEnv, "", "job", "list"));   // creates the job topics
        assertOk(run(adminEnv, "", "topic", "create", "team-readings", "--partitions", "1"));
        final Map<String, String> dana = userWithJobTopicsRead("dana");
        final Map<String, String> oscar = userWithJobTopicsRead("oscar");
        assertOk(run(adminEnv, "", "acl", "add", "--principal", "dana", "--job-prefix", "team-a-", "--operation",
            "deploy"));
        assertOk(run(adminEnv, "", "acl", "add", "--principal", "oscar", "--job", "team-a-gen", "--operation",
            "stop"));

        assertOk(run(dana, "", "job", "deploy", teamA.toString()));
        final Result otherTeam = run(dana, "", "job", "deploy", teamB.toString());
        assertEquals(1, otherTeam.exitCode, otherTeam.err);
        assertTrue(otherTeam.err.contains("principal 'dana' may not deploy job 'team-b-gen'"), otherTeam.err);
        final Result stopByDeployer = run(dana, "", "job", "stop", "team-a-gen");
        assertEquals(1, stopByDeployer.exitCode, stopByDeployer.err);
        assertTrue(stopByDeployer.err.contains("may not stop job 'team-a-gen'"), stopByDeployer.err);
        assertEquals(List.of("team-a-gen connector 1 RUNNING"), jobLines());

        assertOk(run(oscar, "", "job", "stop", "team-a-gen"));
        assertEquals(List.of("team-a-gen connector 1 STOPPED"), jobLines());
        final Result deployByOperator = run(oscar, "", "job", "deploy", teamA.toString());
        assertEquals(1, deployByOperator.exitCode, deployByOperator.err);
        assertTrue(deployByOperator.err.contains("may not deploy job 'team-a-gen'"), deployByOperator.err);
        // Deleting takes both rules, and is one atomic append: refused, it removes nothing (not even the stop).
        final Result deleteByOperator = run(oscar, "", "job", "delete", "team-a-gen");
        assertEquals(1, deleteByOperator.exitCode, deleteByOperator.err);
        assertTrue(deleteByOperator.err.contains("may not deploy job 'team-a-gen'"), deleteByOperator.err);
        final Result deleteByDeployer = run(dana, "", "job", "delete", "team-a-gen");
        assertEquals(1, deleteByDeployer.exitCode, deleteByDeployer.err);
        assertTrue(deleteByDeployer.err.contains("may not stop job 'team-a-gen'"), deleteByDeployer.err);
        assertEquals(List.of("team-a-gen connector 1 STOPPED"), jobLines());

        // A deploy runs the new version at once; the stop was the old version's.
        assertOk(run(dana, "", "job", "deploy", teamA.toString()));
        assertEquals(List.of("team-a-gen connector 2 RUNNING"), jobLines());

        // Topic rules do not open the job topics: a raw write naming another job is refused, and appends nothing.
        assertOk(run(adminEnv, "", "acl", "add", "--principal", "dana", "--topic-prefix", "__job", "--operation",
            "write"));
        final Result raw = run(dana, "team-b-gen:{}\n", "produce", "__jobs", "--key-separator", ":");
        assertEquals(1, raw.exitCode, raw.err);
        assertTrue(raw.err.contains("may not deploy job 'team-b-gen'"), raw.err);
        final Result unkeyed = run(dana, "{}\n", "produce", "__job_control");
        assertEquals(1, unkeyed.exitCode, unkeyed.err);
        assertEquals(List.of("team-a-gen connector 2 RUNNING"), jobLines());

        final Result misfit = run(adminEnv, "", "acl", "add", "--principal", "dana", "--job", "x", "--operation",
            "read");
        assertEquals(1, misfit.exitCode, misfit.err);
        assertTrue(misfit.err.contains("operation read does not apply to a job"), misfit.err);
        assertOk(run(adminEnv, "", "job", "delete", "team-a-gen"));
        assertEquals(List.of(), jobLines());
    }

    private static Map<String, String> userWithJobTopicsRead(final String name)
    {
        assertOk(run(adminEnv, name + "-secret\n", "user", "add", name));
        assertOk(run(adminEnv, "", "acl", "add", "--principal", name, "--topic-prefix", "__job", "--operation",
            "read"));
        return Map.of(CliContext.CLUSTER_ENV, cluster.members(), "TRIBUTARY_USERNAME", name, "TRIBUTARY_PASSWORD",
            name + "-secret");
    }

    /**
     * @return each job's name, kind, version and state, as {@code job list} prints them.
     */
    private static List<String> jobLines()
    {
        final Result list = run(adminEnv, "", "job", "list");
        assertOk(list);
        return list.out.lines().skip(1)
            .map(line -> String.join(" ", List.of(line.trim().split("\\s+")).subList(0, 4)))
            .toList();
    }

    private static Path ownerOnly(final Path file, final String content) throws IOException
    {
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(file, content);
        return file;
    }

    private static void assertOk(final Result result)
    {
        assertEquals(0, result.exitCode, result.err);
    }

    private static Result run(final Map<String, String> env, final String stdin, final String... args)
    {
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final CliContext ctx = new CliContext(env, new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
            new PrintWriter(out), new PrintWriter(err), false);
        final int exitCode = TributaryCli.run(ctx, args);
        return new Result(exitCode, out.toString(), err.toString());
    }

    private record Result(int exitCode, String out, String err)
    {
    }
}
