/// Every SKP of an annual period with its indicators, employees in key order and each employee's indicators
/// together: what a bulk realisasi import checks each row against, with one hash entry per employee rather than
/// one per indicator. Built by the store in two ordered scans (`appendSKP`, then `appendIndicator` in key order).
public struct IndicatorIndex: Sendable {
    public struct Entry: Sendable {
        public var rhk: String
        public var indicator: String
        /// The indicator has a numeric target (realisasi needs a number).
        public var numeric: Bool

        public init(rhk: String, indicator: String, numeric: Bool) {
            self.rhk = rhk
            self.indicator = indicator
            self.numeric = numeric
        }
    }

    /// Employees with an SKP in the period, in key order.
    public private(set) var nips: [String] = []
    /// Each employee's SKP status (same order as `nips`).
    public private(set) var statuses: [SKPStatus] = []
    /// Each employee's indicators: a range of `entries`, in key order (RHK id, indicator id).
    public private(set) var ranges: [Range<Int>] = []
    public private(set) var entries: [Entry] = []
    private var slots: [String: Int] = [:]

    public init() {}

    /// Adds the next employee's SKP (employees in key order).
    public mutating func appendSKP(nip: String, status: SKPStatus) {
        slots[nip] = nips.count
        nips.append(nip)
        statuses.append(status)
        ranges.append(entries.count..<entries.count)
    }

    /// Adds the next indicator of the employee at `slot` (indicators in key order, slots never going back).
    public mutating func appendIndicator(slot: Int, _ entry: Entry) {
        if ranges[slot].isEmpty { ranges[slot] = entries.count..<entries.count }
        entries.append(entry)
        ranges[slot] = ranges[slot].lowerBound..<entries.count
    }

    /// The employee's position in `nips`, when they have an SKP.
    public func slot(of nip: String) -> Int? { slots[nip] }

    /// The position in `entries` of an employee's indicator.
    public func entry(slot: Int, rhk: String, indicator: String) -> Int? {
        for k in ranges[slot] where entries[k].indicator == indicator && entries[k].rhk == rhk { return k }
        return nil
    }
}
