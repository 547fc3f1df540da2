package io.tributary.examples.pipelines;

import io.tributary.examples.pipelines.CustomerTotals.Customer;
import io.tributary.examples.pipelines.CustomerTotals.CustomerTotal;
import io.tributary.examples.pipelines.CustomerTotals.Order;
import io.tributary.examples.pipelines.CustomerTotals.OrderChange;
import io.tributary.pipeline.PipelineTestDriver;
import io.tributary.pipeline.Serdes;
import io.tributary.pipeline.TestInput;
import io.tributary.pipeline.TestOutput;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

@Timeout(10)
class CustomerTotalsTest
{
    @Test
    void totalsFollowCreatesUpdatesAndDeletesAndCarryTheCustomerName()
    {
        try (PipelineTestDriver driver = new PipelineTestDriver(new CustomerTotals().topology()))
        {
            final TestInput<String, Customer> customers = driver.input(CustomerTotals.CUSTOMERS, Serdes.string(),
                Serdes.json(Customer.class));
            final TestInput<String, OrderChange> orders = driver.input(CustomerTotals.ORDERS, Serdes.string(),
                Serdes.json(OrderChange.class));
            final TestOutput<String, CustomerTotal> totals = driver.output(CustomerTotals.TOTALS, Serdes.string(),
                Serdes.json(CustomerTotal.class));

            customers.pipe("c1", new Customer("c1", "Alice"), 1);
            customers.pipe("c2", new Customer("c2", "Bob"), 1);
            orders.pipe("o1", new OrderChange("c", null, new Order("o1", "c1", 1000)), 2);
            orders.pipe("o2", new OrderChange("c", null, new Order("o2", "c1", 500)), 3);
            orders.pipe("o3", new OrderChange("c", null, new Order("o3", "c2", 700)), 4);
            assertEquals(List.of(new CustomerTotal("c1", "Alice", 1000), new CustomerTotal("c1", "Alice", 1500),
                new CustomerTotal("c2", "Bob", 700)), totals.readValues());

            orders.pipe("o1", new OrderChange("u", new Order("o1", "c1", 1000), new Order("o1", "c1", 1200)), 5);
            orders.pipe("o2", new OrderChange("d", new Order("o2", "c1", 500), null), 6);
            orders.pipe("o3", new OrderChange("u", new Order("o3", "c2", 700), new Order("o3", "c1", 700)), 7);
            assertEquals(Map.of("c1", new CustomerTotal("c1", "Alice", 1900), "c2",
                new CustomerTotal("c2", "Bob", 0)), totals.readKeyValuesToMap());

            orders.pipe("o9", new OrderChange("c", null, new Order("o9", "unknown", 1)), 8);
            assertEquals(List.of(), totals.readValues());
        }
    }
}
