package io.tributary.kafka;

import io.tributary.log.ErrorCode;
import io.tributary.log.TributaryException;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.protocol.Errors;

import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * Tributary's errors as Kafka's.
 * <p>
 * Threading: stateless.
 */
final class KafkaErrors
{
    private KafkaErrors()
    {
    }

    static ErrorCode tributaryCode(final Throwable ex)
    {
        final Throwable cause = unwrap(ex);
        return cause instanceof TributaryException te ? te.errorCode() : ErrorCode.UNKNOWN_ERROR;
    }

    static Errors error(final Throwable ex)
    {
        final Throwable cause = unwrap(ex);
        if (cause instanceof ApiException)
        {
            return Errors.forException(cause);
        }
        return error(tributaryCode(cause));
    }

    static Errors error(final ErrorCode code)
    {
        return switch (code)
        {
            case UNKNOWN_TOPIC, PARTITION_OUT_OF_RANGE -> Errors.UNKNOWN_TOPIC_OR_PARTITION;
            case INVALID_TOPIC -> Errors.INVALID_TOPIC_EXCEPTION;
            case TOPIC_ALREADY_EXISTS -> Errors.TOPIC_ALREADY_EXISTS;
            case RECORD_TOO_LARGE -> Errors.MESSAGE_TOO_LARGE;
            case CORRUPT_BATCH -> Errors.CORRUPT_MESSAGE;
            case INVALID_REQUEST -> Errors.INVALID_REQUEST;
            case OFFSET_OUT_OF_RANGE -> Errors.OFFSET_OUT_OF_RANGE;
            case INVALID_CONFIG -> Errors.INVALID_CONFIG;
            case INVALID_PARTITIONS -> Errors.INVALID_PARTITIONS;
            case OUT_OF_ORDER_SEQUENCE -> Errors.OUT_OF_ORDER_SEQUENCE_NUMBER;
            case UNKNOWN_MEMBER -> Errors.UNKNOWN_MEMBER_ID;
            case FENCED_MEMBER -> Errors.ILLEGAL_GENERATION;
            case GROUP_NOT_EMPTY -> Errors.NON_EMPTY_GROUP;
            case UNKNOWN_GROUP -> Errors.GROUP_ID_NOT_FOUND;
            case TIMEOUT -> Errors.REQUEST_TIMED_OUT;
            case TOPIC_AUTHORIZATION_FAILED, JOB_AUTHORIZATION_FAILED -> Errors.TOPIC_AUTHORIZATION_FAILED;
            case GROUP_AUTHORIZATION_FAILED -> Errors.GROUP_AUTHORIZATION_FAILED;
            case CLUSTER_AUTHORIZATION_FAILED -> Errors.CLUSTER_AUTHORIZATION_FAILED;
            case AUTHENTICATION_FAILED -> Errors.SASL_AUTHENTICATION_FAILED;
            case DISCONNECTED -> Errors.NETWORK_EXCEPTION;
            default -> Errors.UNKNOWN_SERVER_ERROR;
        };
    }

    /**
     * @return the Kafka exception for a failure, for a whole request's error answer.
     */
    static Throwable kafkaException(final Throwable ex)
    {
        final Throwable cause = unwrap(ex);
        return cause instanceof ApiException ? cause : error(cause).exception(message(cause));
    }

    static String message(final Throwable ex)
    {
        final Throwable cause = unwrap(ex);
        return cause.getMessage() == null ? cause.toString() : cause.getMessage();
    }

    static Throwable unwrap(final Throwable ex)
    {
        Throwable cause = ex;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException) && cause.getCause() != null)
        {
            cause = cause.getCause();
        }
        return cause;
    }
}
