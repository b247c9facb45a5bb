/** Tests take delivered messages the way the mesh task does: `takeDelivery` into one reused record, in a bounded loop. */
import { emptyDelivery, type Delivery } from "../../core/mesh/transport-port";

export type DeliveryVisitor = (sourceId: number, trafficClass: number, bytes: Uint8Array, offset: number, length: number) => void;

/** Take up to `max` delivered messages, each handed to `visit` (its bytes valid during the call); returns how many. */
export function takeDeliveries(transport: { takeDelivery(out: Delivery): boolean }, max: number, visit: DeliveryVisitor): number {
  const out: Delivery = emptyDelivery();
  let taken = 0;
  while (taken < max && transport.takeDelivery(out)) {
    taken++;
    visit(out.sourceId, out.trafficClass, out.bytes, out.offset, out.length);
  }
  return taken;
}
