Console.WriteLine("hebb");
