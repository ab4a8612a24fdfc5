import Foundation
import KinerjaCore
import KinerjaPluginAPI

extension Kinerja_Plugin_V1_PluginConfig {
    /// A decimal setting as an exact fraction (`thresholds.di_atas = 2.5`).
    public func fraction(_ key: String, default fallback: Double) throws -> Fraction {
        let v = try double(key, default: fallback)
        guard let f = try? Fraction.decimal(v), Measure.check(v) == nil else { throw PluginError("config \(key): \(v) is not \(Measure.rule)") }
        return f
    }
}
