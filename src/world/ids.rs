//! Typed ids of the sites of a world: small integers that index dense `Vec`s,
//! so a model looks a site or a latency up in O(1) and cannot mix a PoP up
//! with a client region.

macro_rules! site_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(pub u32);

        impl $name {
            /// The index into the world's `Vec` of these sites.
            #[inline]
            pub const fn index(self) -> usize {
                self.0 as usize
            }

            /// The id of the site at `index`; worlds hold far fewer than 2^32 sites.
            #[inline]
            pub const fn from_index(index: usize) -> $name {
                $name(index as u32)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "{}#{}", stringify!($name), self.0)
            }
        }
    };
}

site_id!(
    /// A client region: a metro area whose clients share one location.
    RegionId
);
site_id!(
    /// A point of presence (edge location).
    PopId
);
site_id!(
    /// An origin server site.
    OriginId
);
site_id!(
    /// A parent cache (origin shield) site between PoPs and the origin.
    ShieldId
);

/// Any site of a world: the node weight of the world graph.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SiteRef {
    Region(RegionId),
    Pop(PopId),
    Shield(ShieldId),
    Origin(OriginId),
}
