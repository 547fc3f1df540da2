package io.tributary.jobs;

import io.tributary.log.Admin;
import io.tributary.log.Credentials;
import io.tributary.log.ErrorCode;
import io.tributary.log.NewTopic;
import io.tributary.log.Producer;
import io.tributary.log.ProducerConfig;
import io.tributary.log.ProducerRecord;
import io.tributary.log.Serializer;
import io.tributary.log.Transaction;
import io.tributary.log.TributaryException;
import io.tributary.log.internal.security.JobResources;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Jobs, their jars, their workers and their tasks' status, kept in the cluster in five compacted one-partition
 * topics, so that any worker and any CLI sees the same:
 * <ul>
 * <li>{@code __jobs}: key job name, value {@link JobRecord} as JSON (spec, version, artifact);</li>
 * <li>{@code __job_artifacts}: key {@code <job>/<version>/<chunk>}, value up to 256 KiB of the job's jar;</li>
 * <li>{@code __job_control}: key job name, value {@link JobControl} as JSON (stopped or started);</li>
 * <li>{@code __job_workers}: key worker id, value {@link WorkerInfo};</li>
 * <li>{@code __job_status}: key {@code <job>/<task>}, value {@link TaskStatus}.</li>
 * </ul>
 * With security on, the cluster checks writes to the first three per job: deploying and deleting need the job's
 * DEPLOY rule, stopping and starting its STOP rule (deleting also removes the job's control entry, so it needs
 * both). Writes are acknowledged (committed by the cluster) before the methods return. Concurrent deploys of one job name
 * from two CLIs are not serialised: the last record written wins.
 * <p>
 * Not thread-safe.
 */
public final class JobStore implements AutoCloseable
{
    public static final String JOBS = JobResources.JOBS;
    public static final String ARTIFACTS = JobResources.ARTIFACTS;
    public static final String CONTROL = JobResources.CONTROL;
    public static final String WORKERS = "__job_workers";
    public static final String STATUS = "__job_status";
    /** The consumer group whose live members are the live workers. */
    public static final String WORKERS_GROUP = "__job-workers";

    static final int CHUNK_BYTES = 256 * 1024;
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration WRITE_TIMEOUT = Duration.ofSeconds(60);

    private final String cluster;
    private final Credentials credentials;
    private final Admin admin;
    private final Producer<byte[], byte[]> producer;
    private TopicView jobs;
    private TopicView controls;
    private TopicView workers;
    private TopicView status;

    private JobStore(final String cluster, final Credentials credentials)
    {
        this.cluster = cluster;
        this.credentials = credentials;
        this.admin = Admin.create(cluster, credentials);
        try
        {
            ensureTopics(admin);
            this.producer = Producer.create(ProducerConfig.builder().cluster(cluster).credentials(credentials)
                .linger(Duration.ZERO).build(), Serializer.bytes(), Serializer.bytes());
        }
        catch (final RuntimeException ex)
        {
            admin.close();
            throw ex;
        }
    }

    /**
     * Connect, creating the job topics when they are missing.
     */
    public static JobStore connect(final String cluster)
    {
        return new JobStore(cluster, Credentials.processDefault());
    }

    /**
     * Connect as {@code credentials}' user, creating the job topics when they are missing.
     */
    public static JobStore connect(final String cluster, final Credentials credentials)
    {
        return new JobStore(cluster, credentials);
    }

    public String cluster()
    {
        return cluster;
    }

    public Admin admin()
    {
        return admin;
    }

    /**
     * @return every job by name, sorted, each with the desired state its last stop or start gave it.
     */
    public Map<String, JobRecord> jobs()
    {
        if (jobs == null)
        {
            jobs = view(JOBS);
            controls = view(CONTROL);
        }
        final Map<String, byte[]> control = controls.refresh(READ_TIMEOUT);
        final Map<String, JobRecord> result = new TreeMap<>();
        jobs.refresh(READ_TIMEOUT).forEach((name, value) ->
        {
            final JobRecord job = Json.read(value, JobRecord.class);
            final byte[] stopOrStart = control.get(name);
            result.put(name, stopOrStart == null ? job : Json.read(stopOrStart, JobControl.class).applyTo(job));
        });
        return result;
    }

    public Optional<JobRecord> job(final String name)
    {
        return Optional.ofNullable(jobs().get(name));
    }

    /**
     * @return every worker that ever registered, by id; see {@link #liveMembers()} for the live ones.
     */
    public Map<String, WorkerInfo> workers()
    {
        if (workers == null)
        {
            workers = view(WORKERS);
        }
        final Map<String, WorkerInfo> result = new TreeMap<>();
        workers.refresh(READ_TIMEOUT).forEach((id, value) -> result.put(id, Json.read(value, WorkerInfo.class)));
        return result;
    }

    /**
     * @return the member ids of the live members of the workers' group: a worker killed drops out after its session
     *         timeout, as the cluster measures it.
     */
    public Set<String> liveMembers()
    {
        try
        {
            return Set.copyOf(admin.describeGroup(WORKERS_GROUP).members());
        }
        catch (final TributaryException ex)
        {
            if (ex.errorCode() == ErrorCode.UNKNOWN_GROUP)
            {
                return Set.of();   // no worker ever joined
            }
            throw ex;
        }
    }

    /**
     * @return every task's last status, by {@link TaskStatus#key}, sorted.
     */
    public Map<String, TaskStatus> statuses()
    {
        if (status == null)
        {
            status = view(STATUS);
        }
        final Map<String, TaskStatus> result = new TreeMap<>();
        status.refresh(READ_TIMEOUT).forEach((key, value) -> result.put(key, Json.read(value, TaskStatus.class)));
        return result;
    }

    /**
     * Store a new version of the job, with its jar if it has one, to run at once. The previous version's jar is
     * removed, and the status of tasks beyond the new parallelism.
     *
     * @return what was stored.
     */
    public JobRecord deploy(final JobSpec spec, final byte[] jar)
    {
        if (!JobSpecParser.isValidName(spec.name()))
        {
            throw new IllegalArgumentException("invalid job name '" + spec.name() + "': " + JobSpecParser.NAME_RULE);
        }
        final Optional<JobRecord> previous = job(spec.name());
        final int version = previous.map(JobRecord::version).orElse(0) + 1;
        JobRecord.Artifact artifact = null;
        if (jar != null)
        {
            final int chunks = Math.max(1, (jar.length + CHUNK_BYTES - 1) / CHUNK_BYTES);
            for (int i = 0; i < chunks; i++)
            {
                final byte[] chunk = Arrays.copyOfRange(jar, i * CHUNK_BYTES,
                    Math.min(jar.length, (i + 1) * CHUNK_BYTES));
                await(producer.send(ProducerRecord.of(ARTIFACTS, key(chunkKey(spec.name(), version, i)), chunk)));
            }
            artifact = new JobRecord.Artifact(sha256(jar), jar.length, chunks);
        }
        final JobRecord record = new JobRecord(spec, version, JobRecord.DesiredState.RUNNING, artifact,
            System.currentTimeMillis());
        await(producer.send(ProducerRecord.of(JOBS, key(spec.name()), Json.write(record))));
        if (previous.isPresent())
        {
            removeArtifact(previous.get());
            for (int task = spec.parallelism(); task < previous.get().tasks(); task++)
            {
                await(producer.send(ProducerRecord.of(STATUS, key(TaskStatus.key(spec.name(), task)), null)));
            }
        }
        return record;
    }

    /**
     * Ask workers to run or to stop the job's current version.
     *
     * @throws TributaryException when there is no such job.
     */
    public JobRecord setDesired(final String name, final JobRecord.DesiredState desired)
    {
        final JobRecord current = existing(name);
        final JobControl control = new JobControl(desired, current.version(), current.deployedAt());
        await(producer.send(ProducerRecord.of(CONTROL, key(name), Json.write(control))));
        return control.applyTo(current);
    }

    /**
     * Remove the job, its jar, its stop or start and its tasks' status, in one atomic append; workers stop its tasks.
     * With security on that needs the job's DEPLOY and STOP rules and write access to {@code __job_status}: without
     * one of them nothing is removed.
     *
     * @throws TributaryException when there is no such job, or the cluster refused the removal.
     */
    public void delete(final String name)
    {
        final JobRecord record = existing(name);
        final Transaction<byte[], byte[]> removal = producer.beginTransaction()
            .send(ProducerRecord.of(CONTROL, key(name), null))
            .send(ProducerRecord.of(JOBS, key(name), null));
        if (record.artifact() != null)
        {
            for (int i = 0; i < record.artifact().chunks(); i++)
            {
                removal.send(ProducerRecord.of(ARTIFACTS, key(chunkKey(name, record.version(), i)), null));
            }
        }
        for (int task = 0; task < record.tasks(); task++)
        {
            removal.send(ProducerRecord.of(STATUS, key(TaskStatus.key(name, task)), null));
        }
        await(removal.commit());
    }

    /**
     * Read a job version's jar from {@code __job_artifacts} and check its hash.
     *
     * @throws TributaryException when chunks are missing or the hash differs.
     */
    public byte[] fetchArtifact(final JobRecord record)
    {
        final JobRecord.Artifact artifact = record.artifact();
        final byte[][] chunks = new byte[artifact.chunks()][];
        try (TopicView view = view(ARTIFACTS))
        {
            final Map<String, byte[]> all = view.refresh(READ_TIMEOUT);
            for (int i = 0; i < chunks.length; i++)
            {
                chunks[i] = all.get(chunkKey(record.name(), record.version(), i));
                if (chunks[i] == null)
                {
                    throw new TributaryException(ErrorCode.UNKNOWN_ERROR, "job " + record.name() + " version " +
                        record.version() + ": jar chunk " + i + " of " + chunks.length + " is missing");
                }
            }
        }
        final byte[] jar = new byte[(int)artifact.size()];
        int at = 0;
        for (final byte[] chunk : chunks)
        {
            if (at + chunk.length > jar.length)
            {
                throw new TributaryException(ErrorCode.UNKNOWN_ERROR, "job " + record.name() + " version " +
                    record.version() + ": jar is longer than the " + artifact.size() + " bytes recorded");
            }
            System.arraycopy(chunk, 0, jar, at, chunk.length);
            at += chunk.length;
        }
        final String hash = sha256(jar);
        if (at != jar.length || !hash.equals(artifact.sha256()))
        {
            throw new TributaryException(ErrorCode.UNKNOWN_ERROR, "job " + record.name() + " version " +
                record.version() + ": jar does not match its SHA-256 " + artifact.sha256() + " (got " + hash + ")");
        }
        return jar;
    }

    void publish(final WorkerInfo worker)
    {
        await(producer.send(ProducerRecord.of(WORKERS, key(worker.worker()), Json.write(worker))));
    }

    /**
     * Remove a worker's registration (when it stops cleanly; a killed worker's stays, not live).
     */
    void unregister(final String worker)
    {
        await(producer.send(ProducerRecord.of(WORKERS, key(worker), null)));
    }

    void publish(final TaskStatus task)
    {
        await(producer.send(ProducerRecord.of(STATUS, key(TaskStatus.key(task.job(), task.task())),
            Json.write(task))));
    }

    public void close()
    {
        final List<AutoCloseable> parts =
            new ArrayList<>(Arrays.asList(jobs, controls, workers, status, producer, admin));
        for (final AutoCloseable part : parts)
        {
            if (part != null)
            {
                try
                {
                    part.close();
                }
                catch (final Exception ignored)
                {
                    // closing the rest matters more
                }
            }
        }
    }

    static void ensureTopics(final Admin admin)
    {
        final Set<String> existing = admin.listTopics();
        for (final String topic : List.of(JOBS, ARTIFACTS, CONTROL, WORKERS, STATUS))
        {
            if (existing.contains(topic))
            {
                continue;
            }
            try
            {
                admin.createTopic(new NewTopic(topic, 1, Map.of("cleanup.policy", "compact", "retention.ms", "-1")));
            }
            catch (final TributaryException ex)
            {
                if (ex.errorCode() != ErrorCode.TOPIC_ALREADY_EXISTS)
                {
                    throw ex;
                }
            }
        }
    }

    private TopicView view(final String topic)
    {
        return new TopicView(cluster, credentials, admin, topic);
    }

    private JobRecord existing(final String name)
    {
        return job(name).orElseThrow(() -> new TributaryException(ErrorCode.UNKNOWN_ERROR, "no job named '" + name +
            "' (see 'tributary job list')"));
    }

    private void removeArtifact(final JobRecord record)
    {
        if (record.artifact() == null)
        {
            return;
        }
        for (int i = 0; i < record.artifact().chunks(); i++)
        {
            await(producer.send(ProducerRecord.of(ARTIFACTS, key(chunkKey(record.name(), record.version(), i)),
                null)));
        }
    }

    private static String chunkKey(final String job, final int version, final int chunk)
    {
        return job + "/" + version + "/" + chunk;
    }

    private static byte[] key(final String text)
    {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    static String sha256(final byte[] bytes)
    {
        try
        {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        }
        catch (final NoSuchAlgorithmException ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    private static <T> T await(final java.util.concurrent.CompletableFuture<T> future)
    {
        try
        {
            return future.get(WRITE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        }
        catch (final ExecutionException ex)
        {
            if (ex.getCause() instanceof TributaryException te)
            {
                throw te;
            }
            throw new TributaryException(ErrorCode.UNKNOWN_ERROR, String.valueOf(ex.getCause()), ex.getCause());
        }
        catch (final TimeoutException ex)
        {
            throw new TributaryException(ErrorCode.TIMEOUT, "not acknowledged in " + WRITE_TIMEOUT);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new TributaryException(ErrorCode.TIMEOUT, "interrupted");
        }
    }
}
