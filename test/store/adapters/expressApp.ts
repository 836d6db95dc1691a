import express, { type NextFunction, type Request, type Response } from "express";
import session from "express-session";
import { ExpressSessionStore, type HybridSessionStore, isSessionStoreError } from "../../../store";

declare module "express-session" {
  interface SessionData {
    user: string;
    cart: number[];
  }
}

export const EXPRESS_SECRET = "a secret for the adapter tests only";

/** An Express app with sessions in the hybrid store: log in, read, change, log out. */
export function expressApp(store: HybridSessionStore, maxAgeMs: number): express.Express {
  const app = express();
  app.use(express.json());
  app.use(
    session({
      store: new ExpressSessionStore(store),
      secret: EXPRESS_SECRET,
      resave: false,
      saveUninitialized: false,
      cookie: { maxAge: maxAgeMs },
    }),
  );

  app.post("/login", (req, res, next) => {
    // A new id at login, so an id handed out before it is worth nothing after.
    req.session.regenerate((error) => {
      if (error) return next(error);
      req.session.user = String(req.body.user);
      req.session.cart = [];
      res.json({ user: req.session.user });
    });
  });
  app.get("/me", (req, res) => {
    if (!req.session.user) return void res.status(401).json({ error: "not logged in" });
    res.json({ user: req.session.user, cart: req.session.cart });
  });
  app.post("/cart", (req, res) => {
    if (!req.session.user) return void res.status(401).json({ error: "not logged in" });
    req.session.cart = [...(req.session.cart ?? []), Number(req.body.item)];
    res.json({ cart: req.session.cart });
  });
  app.post("/logout", (req, res, next) => {
    req.session.destroy((error) => (error ? next(error) : res.json({ ok: true })));
  });

  app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    res.status(500).json({ error: isSessionStoreError(error) ? error.code : String(error) });
  });
  return app;
}
