package io.tributary.examples.pipelines;

import io.tributary.pipeline.Consumed;
import io.tributary.pipeline.Grouped;
import io.tributary.pipeline.KeyValue;
import io.tributary.pipeline.Pipeline;
import io.tributary.pipeline.PipelineDefinition;
import io.tributary.pipeline.Produced;
import io.tributary.pipeline.Serde;
import io.tributary.pipeline.Serdes;
import io.tributary.pipeline.Stateful;
import io.tributary.pipeline.Table;
import io.tributary.pipeline.Topology;

import java.util.ArrayList;
import java.util.List;

/**
 * A CDC stream of orders (Debezium-style change events) summed per customer and joined with a customers table.
 * <ul>
 *   <li>reads {@value #ORDERS}: key = order id, value = JSON {@link OrderChange} (op {@code c}, {@code u}, {@code d}
 *       with the row before and after);</li>
 *   <li>reads {@value #CUSTOMERS} as a table: key = customer id, value = JSON {@link Customer};</li>
 *   <li>writes {@value #TOTALS}: key = customer id, value = JSON {@link CustomerTotal}, whenever the total
 *       changes and the customer is known.</li>
 * </ul>
 * An update moves the difference, so a customer's total is the sum of their current orders; a delete removes the
 * order's amount. An order that changes customer moves its amount between both. Topics {@value #ORDERS} and
 * {@value #CUSTOMERS} must have the same partition count.
 */
public final class CustomerTotals implements PipelineDefinition
{
    public static final String ORDERS = "orders-cdc";
    public static final String CUSTOMERS = "customers";
    public static final String TOTALS = "customer-totals";

    /**
     * An order row.
     *
     * @param id       order id.
     * @param customer customer id.
     * @param cents    amount.
     */
    public record Order(String id, String customer, long cents)
    {
    }

    /**
     * A change of an order row, as a CDC connector writes it.
     *
     * @param op     c(reate), u(pdate) or d(elete).
     * @param before the row before, null on create.
     * @param after  the row after, null on delete.
     */
    public record OrderChange(String op, Order before, Order after)
    {
    }

    /**
     * A customer row.
     *
     * @param id   customer id.
     * @param name name.
     */
    public record Customer(String id, String name)
    {
    }

    /**
     * What one change does to one customer's total.
     *
     * @param customer customer id.
     * @param cents    amount added (negative to remove).
     */
    public record Delta(String customer, long cents)
    {
    }

    /**
     * A customer's total.
     *
     * @param customer customer id.
     * @param name     the customer's name.
     * @param cents    sum of their orders.
     */
    public record CustomerTotal(String customer, String name, long cents)
    {
    }

    public Topology topology()
    {
        final Pipeline p = Pipeline.create("customer-totals");
        final Table<String, Customer> customers = p.table(CUSTOMERS,
            Consumed.with(Serdes.string(), Serdes.json(Customer.class)), Stateful.named("customers"));
        final Serde<Delta> deltas = Serdes.json(Delta.class);
        p.stream(ORDERS, Consumed.with(Serdes.string(), Serdes.json(OrderChange.class)))
            .flatMap((orderId, change) -> CustomerTotals.deltas(change))
            .keyBy((customer, delta) -> customer, Grouped.as("by-customer", Serdes.string(), deltas))
            .aggregate(() -> 0L, (customer, delta, total) -> total + delta.cents(),
                Stateful.<Long>named("totals").withSerde(Serdes.longs()))
            .toStream()
            .join(customers, (total, customer) -> new CustomerTotal(customer.id(), customer.name(), total))
            .to(TOTALS, Produced.with(Serdes.string(), Serdes.json(CustomerTotal.class)));
        return p.build();
    }

    static List<KeyValue<String, Delta>> deltas(final OrderChange change)
    {
        final List<KeyValue<String, Delta>> out = new ArrayList<>();
        if (change.before() != null)
        {
            out.add(KeyValue.of(change.before().customer(),
                new Delta(change.before().customer(), -change.before().cents())));
        }
        if (change.after() != null)
        {
            out.add(KeyValue.of(change.after().customer(),
                new Delta(change.after().customer(), change.after().cents())));
        }
        return out;
    }
}
