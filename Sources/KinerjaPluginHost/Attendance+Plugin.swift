import KinerjaCore
import KinerjaPluginAPI

extension Kinerja_Plugin_V1_Attendance {
    /// The plugin message for the core counts, each clamped into the field's range (a count stored before the bounds
    /// cannot trap the conversion).
    package init(_ a: Attendance) {
        self.init()
        tl1 = Int32(clamping: a.tl1)
        tl2 = Int32(clamping: a.tl2)
        tl3 = Int32(clamping: a.tl3)
        tl4 = Int32(clamping: a.tl4)
        psw1 = Int32(clamping: a.psw1)
        psw2 = Int32(clamping: a.psw2)
        psw3 = Int32(clamping: a.psw3)
        psw4 = Int32(clamping: a.psw4)
        tk = Int32(clamping: a.tk)
        sanctionPercent = Int32(clamping: a.sanctionPercent)
    }
}
