import { Order, OrderItem } from '../db/models';
import { type OrderView, orderView } from './views';

/** A user's placed orders, newest first (carts and checkouts in progress are not orders yet). */
export async function placedOrders(userId: number, page: { limit: number; offset: number }): Promise<OrderView[]> {
  const orders = await Order.findAll({
    where: { user_id: userId, status: 'placed' },
    order: [
      ['placed_at', 'DESC'],
      ['id', 'DESC'],
    ],
    limit: page.limit,
    offset: page.offset,
  });
  if (orders.length === 0) return [];
  // One query for the lines of the whole page rather than one per order.
  const items = await OrderItem.findAll({ where: { order_id: orders.map((o) => o.id) }, order: [['id', 'ASC']] });
  return orders.map((order) =>
    orderView(
      order,
      items.filter((item) => item.order_id === order.id),
    ),
  );
}

/** One placed order, only if it belongs to the user: someone else's order is as absent as a missing one. */
export async function placedOrder(userId: number, orderId: number): Promise<OrderView | undefined> {
  const order = await Order.findOne({ where: { id: orderId, user_id: userId, status: 'placed' } });
  if (!order) return undefined;
  const items = await OrderItem.findAll({ where: { order_id: order.id }, order: [['id', 'ASC']] });
  return orderView(order, items);
}
